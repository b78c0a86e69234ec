"""The privileged worker trusts nothing in the job folder its caller chose.

The worker runs for real as root, the way pkexec starts it (PKEXEC_UID names the caller),
on a folder owned by an unprivileged caller (nobody) who planted links to root-owned
files under every name the worker writes, and a job id shaped like a crontab line. No
root-owned file may change and no crafted line may land anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from station.devices.drive import discover
from station.erase.procedure import JobSpec
from tests.erase.wipe_fixtures import LoopFactory, MiB

pytestmark = pytest.mark.timeout(60)

CALLER = 65534  # nobody
ROOT_OWNED = "ROOT-OWNED CONTENT\n"
NAMES = ("worker.pid", "progress.bin", "result.json", ".result.json.tmp", "worker.log")
CRON = "* * * * * root touch /tmp/owned-by-the-bench"


def caller_folder(tmp_path: Path, name: str) -> Path:
    jobs = tmp_path / "jobs"
    jobs.mkdir(exist_ok=True)
    os.chown(jobs, CALLER, CALLER)
    job_dir = jobs / name
    job_dir.mkdir()
    os.chown(job_dir, CALLER, CALLER)
    return job_dir


def plant(tmp_path: Path, job_dir: Path) -> dict[str, Path]:
    """A root-owned file behind every name the worker writes."""
    etc = tmp_path / "etc"
    etc.mkdir(mode=0o755)
    victims = {}
    for name in NAMES:
        victim = etc / f"victim-{name.strip('.')}"
        victim.write_text(ROOT_OWNED)
        (job_dir / name).symlink_to(victim)
        victims[name] = victim
    return victims


def spec_for(path: str, job_id: str, tmp_path: Path) -> dict[str, object]:
    drive = discover.find(path)
    return JobSpec(job_id=job_id, path=path, media=drive.facts, method="zero", verify="sample",
                   identity=drive.identity, data_dir=str(tmp_path / "data")).to_dict()


def run_worker(job_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PKEXEC_UID": str(CALLER)}
    return subprocess.run([sys.executable, "-m", "station.erase.worker", "--devices-only", str(job_dir)],
                          capture_output=True, text=True, env=env, timeout=50, check=False)


def test_planted_links_never_lead_the_root_worker_to_a_root_owned_file(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    job_id = "W20261207120000-a1b2c3"
    job_dir = caller_folder(tmp_path, job_id)
    (job_dir / "spec.json").write_text(json.dumps(spec_for(loop.path, job_id, tmp_path)))
    victims = plant(tmp_path, job_dir)
    out = run_worker(job_dir)
    assert out.returncode == 0, out.stderr
    assert {name: v.read_text() for name, v in victims.items()} == {name: ROOT_OWNED for name in NAMES}
    result = job_dir / "result.json"
    assert not result.is_symlink() and json.loads(result.read_text())["sanitized"] is True
    assert not (job_dir / "progress.bin").is_symlink() and not (job_dir / "worker.pid").is_symlink()
    assert not loop.read_backing().strip(b"\0")  # the wipe itself still ran


def test_a_crontab_shaped_job_id_is_refused_and_lands_nowhere(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    job_dir = caller_folder(tmp_path, "W1")
    (job_dir / "spec.json").write_text(json.dumps(spec_for(loop.path, f"W1\n{CRON}\n", tmp_path)))
    victims = plant(tmp_path, job_dir)
    out = run_worker(job_dir)
    assert out.returncode == 2 and "is not a station job id" in out.stderr
    assert f"\n{CRON}" not in out.stderr  # shown escaped, never as a line of its own
    assert all(v.read_text() == ROOT_OWNED for v in victims.values())
    assert loop.read_backing() == loop.expected_fill()


def test_a_folder_that_is_a_link_or_not_the_callers_is_refused(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    job_id = "W20261207120000-d4e5f6"
    real = tmp_path / "elsewhere" / job_id
    real.mkdir(parents=True)
    (real / "spec.json").write_text(json.dumps(spec_for(loop.path, job_id, tmp_path)))
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / job_id).symlink_to(real)
    out = run_worker(jobs / job_id)
    assert out.returncode == 2 and "is not a job folder" in out.stderr
    assert sorted(p.name for p in real.iterdir()) == ["spec.json"]
    os.chown(real, 4242, 4242)  # a folder of a third user
    out = run_worker(real)
    assert out.returncode == 2 and "belongs to uid 4242" in out.stderr
    assert loop.read_backing() == loop.expected_fill()

"""Wipe jobs: a real worker process per drive, progress through the shared file, the outcome
recorded (job row, unit, events, certificate), and recovery after the station was killed."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from station.certs.result import Status
from station.context import StationContext, open_station
from station.devices.drive import discover
from station.erase import jobs
from station.erase.progress import ProgressReader, ProgressWriter
from station.models import Event, Unit, WipeJob
from station.sim.drives import SimDriveDriver
from tests.erase.wipe_fixtures import DRIVE_RATE, LoopFactory, MiB

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], object], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def run_to_end(ctx: StationContext, handle: jobs.JobHandle) -> jobs.Finished:
    wait_until(lambda: not handle.alive())
    return jobs.finish(ctx, handle)


def kinds(ctx: StationContext, unit_uid: str | None) -> list[str]:
    with ctx.store.reader() as s:
        unit = s.execute(select(Unit).where(Unit.uid == unit_uid)).scalar_one()
        return [e.kind for e in s.execute(select(Event).where(Event.unit_id == unit.id).order_by(Event.seq)).scalars()]


def test_a_job_runs_in_its_own_process_and_is_recorded(ctx: StationContext, loops: LoopFactory) -> None:
    loop = loops(16 * MiB)
    drive = discover.find(loop.path)
    handle = jobs.start(ctx, drive, "clear", "full")
    assert handle.pid and handle.pid != os.getpid()
    finished = run_to_end(ctx, handle)
    r = finished.result
    assert r.status is Status.FINISHED and r.sanitized and r.media.path == loop.path
    assert loop.read_backing() == bytes(loop.size)
    final = ProgressReader(handle.job_dir).read()
    assert final is not None and final.phase == "done" and final.overall_done == final.overall_total == 2 * loop.size
    with ctx.store.reader() as s:
        row = s.get(WipeJob, handle.job_id)
        unit = s.execute(select(Unit).where(Unit.uid == finished.unit_uid)).scalar_one()
    assert row is not None and row.status == "FINISHED" and row.bytes_written == row.bytes_verified == loop.size
    assert row.serial == drive.identity and row.pid == handle.pid and row.ended_at
    assert unit.serial == drive.identity and unit.device_class == "drive" and unit.wipe_status == "sanitized"
    assert kinds(ctx, finished.unit_uid) == ["unit.created", "unit.updated", "wipe.started", "wipe.finished",
                                              "certificate.issued"]  # unit.updated: its capacity, from the size
    assert finished.certificate_json and Path(finished.certificate_json).is_file()
    assert json.loads(Path(finished.certificate_json).read_text())["certificate"]
    # Recording twice (two windows, or a retry) records once.
    jobs.finish(ctx, handle)
    assert kinds(ctx, finished.unit_uid).count("wipe.finished") == 1
    # The same drive wiped again is the same unit.
    again = run_to_end(ctx, jobs.start(ctx, drive, "zero", "sample"))
    assert again.unit_uid == finished.unit_uid


def start_and_catch(ctx: StationContext, loop_path: str, method: str = "dod3") -> jobs.JobHandle:
    handle = jobs.start(ctx, discover.find(loop_path), method, "full")
    wait_until(lambda: (p := handle.progress()) is not None and p.phase == "writing")
    return handle


def test_a_killed_station_leaves_an_interrupted_job_that_restarts(
        ctx: StationContext, loops: LoopFactory, data_dir: Path) -> None:
    loop = loops(64 * MiB, write_rate=DRIVE_RATE)
    handle = start_and_catch(ctx, loop.path)
    assert handle.pid is not None
    os.kill(handle.pid, signal.SIGSTOP)  # frozen mid-pass, then killed like a power cut
    os.kill(handle.pid, signal.SIGKILL)
    wait_until(lambda: not handle.alive())
    assert not (handle.job_dir / "result.json").exists()
    # The next start of the station finds it.
    later = open_station(data_dir)
    try:
        recovery = jobs.recover(later)
        assert not recovery.running and len(recovery.finished) == 1
        cut = recovery.finished[0]
        assert cut.result.status is Status.INTERRUPTED and not cut.result.sanitized
        assert "NOT erased" in cut.result.reason
        assert kinds(later, cut.unit_uid)[-2:] == ["wipe.interrupted", "certificate.issued"]
        pending = jobs.interrupted(later)
        assert [j.id for j in pending] == [handle.job_id]
        with later.store.reader() as s:
            assert s.execute(select(Unit.wipe_status).where(Unit.uid == cut.unit_uid)).scalar_one() == "interrupted"
        # One key restarts it: same drive, same method.
        redo = jobs.restart(later, handle.job_id, discover.find(loop.path))
        done = run_to_end(later, redo)
        assert done.result.sanitized and done.result.method == "dod3"
        assert jobs.interrupted(later) == []
        assert not jobs.recover(later).finished  # nothing left RUNNING
    finally:
        later.close()


def test_recovery_reattaches_a_worker_that_outlived_the_gui(
        ctx: StationContext, loops: LoopFactory, data_dir: Path) -> None:
    loop = loops(64 * MiB, write_rate=DRIVE_RATE)
    handle = start_and_catch(ctx, loop.path)
    assert handle.pid is not None
    os.kill(handle.pid, signal.SIGSTOP)  # keep it mid-job while "the GUI restarts"
    later = open_station(data_dir)
    try:
        recovery = jobs.recover(later)
        assert [h.job_id for h in recovery.running] == [handle.job_id] and not recovery.finished
        again = recovery.running[0]
        assert again.method == "dod3" and again.progress() is not None
        os.kill(handle.pid, signal.SIGCONT)
        wait_until(lambda: handle.process is not None and handle.process.poll() is not None)
        assert not again.alive()
        assert jobs.finish(later, again).result.sanitized
    finally:
        os.kill(handle.pid, signal.SIGCONT) if handle.process and handle.process.poll() is None else None
        later.close()


def test_stop_ends_the_job_as_aborted(ctx: StationContext, loops: LoopFactory) -> None:
    loop = loops(64 * MiB, write_rate=DRIVE_RATE)
    handle = start_and_catch(ctx, loop.path)
    handle.stop()
    finished = run_to_end(ctx, handle)
    assert finished.result.status is Status.ABORTED and not finished.result.sanitized
    assert "Stopped by the operator" in finished.result.reason
    assert 0 < finished.result.bytes_written < 3 * loop.size
    # Not "failed": a failed drive is routed to destruction, a stopped one is wiped again.
    with ctx.store.reader() as s:
        assert s.execute(select(Unit.wipe_status).where(Unit.uid == finished.unit_uid)).scalar_one() == "aborted"


def test_the_privileged_helper_runs_the_worker(ctx: StationContext, loops: LoopFactory,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    helper = ROOT / "installer" / "station-wipe-helper"
    monkeypatch.setenv("STATION_PYTHON", sys.executable)
    ctx.config.set("wipe.helper", str(helper))
    loop = loops(8 * MiB)
    handle = jobs.start(ctx, discover.find(loop.path), "zero", "full")
    assert handle.process is not None and handle.process.args[0] == str(helper)
    assert run_to_end(ctx, handle).result.sanitized
    assert loop.read_backing() == bytes(loop.size)


def test_the_helper_wipes_drives_only(ctx: StationContext, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bay = SimDriveDriver(data_dir, bays=1, size=4 * MiB).entries()[0].drive
    handle = jobs.start(ctx, bay, "zero", "none")  # a demo bay: no helper involved
    run_to_end(ctx, handle)
    # Hand the same spec to the helper directly: it must refuse a file.
    import subprocess

    monkeypatch.setenv("STATION_PYTHON", sys.executable)
    (handle.job_dir / "result.json").unlink()
    out = subprocess.run([str(ROOT / "installer" / "station-wipe-helper"), str(handle.job_dir)], capture_output=True)
    assert out.returncode == 1
    result = json.loads((handle.job_dir / "result.json").read_text())
    assert result["status"] == "FAILED" and "wipes drives only" in result["reason"]
    assert subprocess.run([str(ROOT / "installer" / "station-wipe-helper"), "relative"],
                          capture_output=True).returncode == 2


def test_a_demo_bay_is_wiped_for_real(ctx: StationContext, data_dir: Path) -> None:
    driver = SimDriveDriver(data_dir, bays=2, size=8 * MiB)
    bay = driver.entries()[1].drive
    Path(bay.path).write_bytes(os.urandom(8 * MiB))
    finished = run_to_end(ctx, jobs.start(ctx, bay, "random-zero", "sample"))
    assert finished.result.sanitized and finished.result.media.extra["simulated"]
    assert Path(bay.path).read_bytes() == bytes(8 * MiB)
    assert os.stat(bay.path).st_blocks * 512 >= 8 * MiB  # allocated before the wipe, not sparse


def test_progress_file_is_consistent_for_readers(tmp_path: Path) -> None:
    writer = ProgressWriter(tmp_path, overall_total=3 * 1000, pass_count=2)
    reader = ProgressReader(tmp_path)
    writer.begin("writing", 1000, 1)
    writer.update(400)
    p = reader.read()
    assert p is not None and (p.phase, p.step, p.done, p.total, p.overall_done) == ("writing", "pass 1/2", 400,
                                                                                    1000, 400)
    writer.end_phase()
    writer.begin("writing", 1000, 2)
    writer.update(1000)
    writer.end_phase()
    writer.begin("verifying", 1000)
    writer.update(250)
    p = reader.read()
    assert p is not None and p.step == "verifying" and p.overall_done == 2250 and p.fraction == 0.75
    assert p.pid == os.getpid()
    writer.finish()
    p = reader.read()
    assert p is not None and p.phase == "done" and p.eta_s is None
    reader.close()


def test_recovery_leaves_in_process_jobs_of_live_stations_alone(ctx: StationContext) -> None:
    """Phone resets and firmware erases run inside a station process: only its death interrupts them."""
    import subprocess

    from station import clock, units

    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "station"])
    gone = subprocess.Popen([sys.executable, "-c", "pass", "station"])
    gone.wait()
    try:
        with ctx.store.session() as s:
            unit, _ = units.get_or_create(s, ctx.actor, "serial", "R58M-PHONE", device_class="phone")
            for job_id, pid in (("P-unknown", None), ("P-live", live.pid), ("P-gone", gone.pid)):
                s.add(WipeJob(id=job_id, unit_id=unit.id, device="adb:R58M-PHONE", serial="R58M-PHONE",
                              method="auto", verify="post-reset", status="RUNNING", pid=pid, started_at=clock.iso()))
        recovery = jobs.recover(ctx)
        assert not recovery.running
        assert [(f.result.job_id, f.result.status) for f in recovery.finished] == [("P-gone", Status.INTERRUPTED)]
        with ctx.store.reader() as s:
            status = dict(s.execute(select(WipeJob.id, WipeJob.status)).all())
        assert status == {"P-unknown": "RUNNING", "P-live": "RUNNING", "P-gone": "INTERRUPTED"}
    finally:
        live.kill()
        live.wait()

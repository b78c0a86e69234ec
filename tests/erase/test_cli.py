"""`station drives` and `station wipe` end to end: real loop devices, real worker processes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from station import cli
from station.commands import wipe as wipe_command
from tests.erase.wipe_fixtures import LoopFactory, MiB

pytestmark = pytest.mark.timeout(120)


def station(data_dir: Path, *args: str) -> int:
    return cli.main(["--data-dir", str(data_dir), *args])


def test_drives_lists_every_drive_with_the_guards_verdict(loops: LoopFactory, data_dir: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    loop = loops(8 * MiB)
    assert station(data_dir, "drives", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    ours = next(d for d in listed if d["path"] == loop.path)
    assert ours["eligible"] and ours["reasons"] == [] and ours["size_bytes"] == 8 * MiB and ours["bus"] == "loop"
    assert ours["identity"] == f"loop:{loop.backing}"
    refused = [d for d in listed if not d["eligible"]]
    assert all(d["reasons"] for d in refused)
    assert station(data_dir, "drives") == 0
    table = capsys.readouterr().out
    assert table.startswith("PORT") and loop.path in table
    for d in refused:
        assert f"REFUSED: {d['reasons'][0]}" in table


def test_wipe_two_drives_in_parallel_and_report_each(loops: LoopFactory, data_dir: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    a, b = loops(16 * MiB, seed=1), loops(8 * MiB, seed=2)
    rc = station(data_dir, "wipe", a.path, b.path, "--method", "clear", "--verify", "full", "--json", "--yes")
    out = capsys.readouterr()
    assert rc == 0, out.err
    results = json.loads(out.out)
    assert [r["path"] for r in results] == [a.path, b.path]
    for r, loop in zip(results, (a, b), strict=True):
        assert r["status"] == "FINISHED" and r["sanitized"] and r["method"] == "clear"
        assert r["size_bytes"] == loop.size and r["bytes_written"] == r["bytes_verified"] == loop.size
        assert r["model"] == "Loop device" and r["verification"]["mode"] == "full" and r["verification"]["passed"]
        assert r["throughput_mb_s"] and r["throughput_mb_s"] > 0 and r["unit"]
        assert r["certificate"] and Path(r["certificate"]).is_file()
        assert loop.read_backing() == bytes(loop.size)


def test_a_refused_drive_is_never_touched(loops: LoopFactory, data_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    loop = loops(16 * MiB, seed=None)
    mnt = loops.mount(loop, tmp_path / "m")
    (mnt / "keep.txt").write_text("customer data")
    rc = station(data_dir, "wipe", loop.path, "--method", "zero", "--yes")
    err = capsys.readouterr().err
    assert rc == 2 and f"will not be wiped: it has a mounted filesystem at {mnt}" in err
    assert (mnt / "keep.txt").read_text() == "customer data"


def test_a_failing_drive_exits_non_zero_with_its_bad_ranges(loops: LoopFactory, data_dir: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    outer = loops(64 * MiB, seed=None)
    mnt = loops.mount(outer, tmp_path / "small")
    bad = loops(60 * MiB, folder=mnt, sparse=True)
    good = loops(8 * MiB)
    rc = station(data_dir, "wipe", bad.path, good.path, "--method", "zero", "--verify", "sample", "--json", "--yes")
    results = {r["path"]: r for r in json.loads(capsys.readouterr().out)}
    assert rc == 1
    assert results[good.path]["sanitized"]
    failed = results[bad.path]
    assert failed["status"] == "FAILED" and not failed["sanitized"] and failed["bad_ranges"]
    assert failed["certificate"]  # a signed failure report, never a certificate of sanitization


def test_nothing_happens_without_a_yes(loops: LoopFactory, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loop = loops(4 * MiB)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert station(data_dir, "wipe", loop.path, "--method", "zero") == 130
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal, nobody to ask
    assert station(data_dir, "wipe", loop.path, "--method", "zero") == 130
    assert loop.read_backing() == loop.expected_fill()


def test_bad_requests_are_explained(loops: LoopFactory, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loop = loops(4 * MiB)
    assert station(data_dir, "wipe", loop.path, "--method", "shred", "--yes") == 2
    assert "'shred' is not an overwrite method" in capsys.readouterr().err
    assert station(data_dir, "wipe", loop.path, "--method", "clear", "--verify", "none", "--yes") == 2
    assert "needs verification" in capsys.readouterr().err
    assert station(data_dir, "wipe", "/dev/no-such-drive", "--yes") == 2
    assert "No drive /dev/no-such-drive is attached" in capsys.readouterr().err
    assert loop.read_backing() == loop.expected_fill()


def test_targets_are_dispatched_by_kind() -> None:
    assert wipe_command.target_kind("adb:R58M1234ABC") == "phone"
    assert wipe_command.target_kind("/dev/sdb") == "drive"
    assert wipe_command.target_kind("S3Z9NB0K123456") == "drive"


def test_demo_mode_wipes_the_simulated_bays(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "station.toml").write_text("[station]\ndemo = true\n")
    assert station(data_dir, "drives", "--json") == 0
    bays = json.loads(capsys.readouterr().out)
    assert [b["port"] for b in bays] == ["bay 1", "bay 2", "bay 3", "bay 4"] and all(b["simulated"] for b in bays)
    rc = station(data_dir, "wipe", bays[0]["serial"], "--method", "random", "--verify", "sample", "--yes", "--json")
    result = json.loads(capsys.readouterr().out)[0]
    assert rc == 0 and result["sanitized"] and result["path"] == bays[0]["path"]

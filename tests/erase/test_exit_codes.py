"""`station wipe` exits 0 only when every target is sanitized: real loop devices, and a
simulated phone the real `adb` client talks to, that comes back with its owner's data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station import cli
from station.sim.adb_rig import AdbRig
from tests.devices.conftest import rig
from tests.devices.test_phone_wipe import Technician
from tests.erase.wipe_fixtures import LoopFactory, MiB

__all__ = ["rig"]
pytestmark = pytest.mark.timeout(90)


def test_a_wipe_without_verification_exits_1_and_says_not_verified(loops: LoopFactory, data_dir: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    loop = loops(4 * MiB)
    rc = cli.main(["--data-dir", str(data_dir), "wipe", loop.path, "--method", "zero", "--verify", "none",
                   "--json", "--yes"])
    (result,) = json.loads(capsys.readouterr().out)
    assert result["status"] == "FINISHED" and not result["sanitized"]
    assert rc == 1
    doc = json.loads(Path(result["certificate"]).read_text())["certificate"]
    assert doc["title"] == "Sanitization report: NOT VERIFIED, media NOT sanitized"


class BenchHands(Technician):
    def confirm(self, question: str) -> bool:
        if question.startswith("ERASE ALL DATA"):
            return True
        return super().confirm(question)


def test_a_phone_that_kept_its_owners_data_exits_1(rig: AdbRig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "station.toml").write_text(
        f"[phone]\nadb_server_port = {rig.client.server_port}\ncommand_timeout_s = 3.0\nboot_timeout_s = 2.0\n"
        "reset_timeout_s = 6.0\npoll_interval_s = 0.1\nsettle_s = 1.0\n")
    phone = rig.add("drops-mid-reset")
    hands = BenchHands(phone, recovery=[["wipe_data", "reboot"]])  # dropped, then rebooted: never reset
    monkeypatch.setattr("station.commands.wipe.TerminalPrompt", lambda *_a, **_k: hands)
    rc = cli.main(["--data-dir", str(data), "wipe", f"adb:{phone.serial}", "--yes", "--json"])
    out, err = capsys.readouterr()
    (result,) = json.loads(out)
    assert result["status"] == "FINISHED" and not result["sanitized"], err
    assert "still holds its owner's data" in result["reason"]
    assert rc == 1


def test_a_wipe_whose_cli_was_killed_is_recorded_at_the_next_start(loops: LoopFactory, data_dir: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import time

    from station.context import open_station
    from station.devices.drive import discover
    from station.erase import jobs
    from station.models import WipeJob

    first, second = loops(4 * MiB), loops(4 * MiB)
    ctx = open_station(data_dir)
    try:
        handle = jobs.start(ctx, discover.find(first.path), "zero", "full")
        assert handle.process is not None
        handle.process.wait()  # the worker ends; its CLI was killed, so nobody records it
    finally:
        ctx.close()
    past = time.time() - 120
    os.utime(handle.job_dir / "result.json", (past, past))
    rc = cli.main(["--data-dir", str(data_dir), "wipe", second.path, "--method", "zero", "--verify", "full", "--yes"])
    assert rc == 0
    assert f"Recorded the earlier wipe {handle.job_id}" in capsys.readouterr().err
    ctx = open_station(data_dir)
    try:
        with ctx.store.reader() as s:
            row = s.get(WipeJob, handle.job_id)
            assert row is not None and row.status == "FINISHED" and row.certificate_id
    finally:
        ctx.close()

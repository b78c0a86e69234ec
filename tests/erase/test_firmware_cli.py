"""`station wipe --method purge|auto` on real loop devices (which support no firmware erase)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station import cli
from tests.erase.wipe_fixtures import LoopFactory, MiB

pytestmark = pytest.mark.timeout(180)


@pytest.mark.usefixtures("data_dir")
def test_purge_is_refused_with_the_planner_reason(loops: LoopFactory, capsys: pytest.CaptureFixture[str]) -> None:
    loop = loops(8 * MiB)
    assert cli.main(["wipe", loop.path, "--method", "purge", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "Purge impossible" in err and "Nothing was erased" in err
    assert loop.read_backing() == loop.expected_fill()


@pytest.mark.usefixtures("data_dir")
def test_auto_falls_back_to_a_verified_clear_with_a_certificate(loops: LoopFactory,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    loop = loops(8 * MiB)
    assert cli.main(["wipe", loop.path, "--method", "auto", "--yes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)[0]
    assert result["sanitized"] and result["method"] == "clear" and result["method_type"] == "Clear"
    assert cli.main(["cert", "verify", result["certificate"]]) == 0
    assert loop.read_backing() == bytes(loop.size)


def test_unlock_needs_a_recorded_password_and_reports_a_refusing_drive(
        loops: LoopFactory, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from station.erase import firmware_methods
    from station.paths import DataDir

    loop = loops(4 * MiB)
    assert cli.main(["unlock", loop.path, "--serial", "SN-NONE"]) == 2
    assert "recorded no erase password" in capsys.readouterr().err
    firmware_methods.record_password(DataDir(data_dir).ensure(), "SN-LOCKED", "ts0123456789abcdef")
    assert cli.main(["unlock", loop.path, "--serial", "SN-LOCKED"]) == 2
    err = capsys.readouterr().err
    assert "Unlocking the drive" in err and "ts0123456789abcdef" not in err

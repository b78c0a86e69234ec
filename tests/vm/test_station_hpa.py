"""Host Protected Area on QEMU's emulated SATA disk (AHCI): what the emulator allows, and the station's answer.

QEMU 7.2's IDE/AHCI disk implements READ NATIVE MAX ADDRESS (0xF8) but neither SET MAX ADDRESS
(0xF9) nor the 48-bit READ NATIVE MAX ADDRESS EXT / SET MAX ADDRESS EXT (0x27, 0x37; hw/ide/core.c
has no entry for them): SET MAX comes back aborted, so an HPA cannot be created on it and removing
one cannot be shown here. What can be is the station's detection (`hdparm -N` as the firmware step
runs it) against the controller's real answers. They are kept in tests/fixtures/drives/hdparm-N/,
and this test fails if QEMU's answers ever differ from them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.vm.conftest import ROOT, VM_TIMEOUT, Bench

RECORDINGS = ROOT / "tests" / "fixtures" / "drives" / "hdparm-N"

pytestmark = [pytest.mark.vm, pytest.mark.timeout(VM_TIMEOUT)]

HIDE = 2048


@pytest.fixture(scope="module")
def session(bench: Bench) -> dict[str, Any]:
    res = bench.vm.station_call("tests.vm.guest_calls:hpa_session", bench.path("sata"), HIDE, path=str(ROOT))
    assert res.returncode == 0, res.stderr[-3000:]
    out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    # The recordings name the device /dev/sda; the rig may enumerate it otherwise.
    for c in out["commands"]:
        c["output"] = c["output"].replace(f"{bench.path('sata')}:", "/dev/sda:")
    return out


def test_qemu_aborts_set_max_yet_hdparm_exits_0_and_the_disk_keeps_its_size(session: dict[str, Any]) -> None:
    before, set_max = session["commands"]
    assert session["sectors"] == 32768 and set_max["argv"][-2] == str(session["sectors"] - HIDE)
    assert before["output"] == (RECORDINGS / "QEMU__QEMU_HARDDISK_AHCI__read.txt").read_text()
    assert set_max["output"] == (RECORDINGS / "QEMU__QEMU_HARDDISK_AHCI__set-max-aborted.txt").read_text()
    assert set_max["exit_code"] == 0  # as recorded: the exit status does not say the command was refused
    assert session["after_sectors"] == session["sectors"]


def test_the_station_finds_no_hidden_area_and_attempts_no_removal(session: dict[str, Any]) -> None:
    n = session["sectors"]
    assert session["facts"] == {"hpa_checked": True, "hpa_enabled": False, "current_max_sectors": n,
                                "native_max_sectors": n, "hpa_hidden_sectors": 0}
    assert [c["argv"][:2] for c in session["station_commands"]] == [["hdparm", "-N"]]

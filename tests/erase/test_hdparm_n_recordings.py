"""The station's HPA step replayed on recorded `hdparm -N` answers (tests/fixtures/drives/hdparm-N).

The recordings come from QEMU's emulated SATA disk, where the VM rig checks them against the live
controller. They show the case a check on exit codes would miss: hdparm exits 0 when the disk
aborts SET MAX ADDRESS, so only reading the max sectors again tells whether sectors are hidden.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from station.devices.drive.parsers import hdparm
from station.erase.firmware_methods import FirmwareContext, StepFailed, hpa_reset
from tests.erase.test_firmware import ScriptedRunner

RECORDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "drives" / "hdparm-N"
READ = (RECORDINGS / "QEMU__QEMU_HARDDISK_AHCI__read.txt").read_text()
ABORTED = (RECORDINGS / "QEMU__QEMU_HARDDISK_AHCI__set-max-aborted.txt").read_text()
# hdparm's line for a drive that hides 2048 sectors behind an HPA (same format, as in its man page).
HIDDEN = "\n/dev/sda:\n max sectors   = 30720/32768, HPA is enabled\n"


def test_every_recording_is_listed_with_its_command_and_exit_code() -> None:
    with (RECORDINGS / "SOURCES.tsv").open() as fh:
        listed = {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}
    files = {p.name for p in RECORDINGS.glob("*.txt")}
    assert files and files == set(listed)
    assert all(row["command"].startswith("hdparm ") and row["exit_code"].isdigit() for row in listed.values())


def test_qemus_answer_reads_as_no_hidden_area_and_nothing_is_removed() -> None:
    assert hdparm.parse_hpa(READ) == (32768, 32768, False)
    runner = ScriptedRunner([(["hdparm", "-N", "/dev/sda"], 0, READ, None)])
    facts = hpa_reset(FirmwareContext("/dev/sda", runner))
    assert facts == {"hpa_checked": True, "hpa_enabled": False, "current_max_sectors": 32768,
                     "native_max_sectors": 32768, "hpa_hidden_sectors": 0}
    assert not runner.script  # one read, no SET MAX


def test_an_aborted_set_max_that_exits_0_is_not_taken_as_a_removed_hpa() -> None:
    assert hdparm.parse_hpa(ABORTED) == (32768, 32768, False)  # the aborted attempt changed nothing
    runner = ScriptedRunner([
        (["hdparm", "-N", "/dev/sda"], 0, HIDDEN, None),
        (["hdparm", "--yes-i-know-what-i-am-doing", "-N", "p32768", "/dev/sda"], 0, ABORTED, None),
        (["hdparm", "-N", "/dev/sda"], 0, HIDDEN, None),  # read again: still hidden
    ])
    with pytest.raises(StepFailed, match="The HPA could not be removed: the drive still hides sectors"):
        hpa_reset(FirmwareContext("/dev/sda", runner))
    assert not runner.script and runner.records[1].exit_code == 0

"""`station wipe` inside the guest against the emulated controllers, checked from the host.

The host seeds each disk image with random data and markers before the erase and reads the
image files directly after it: that check does not trust anything the guest or the station says.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from tests.rig import disks as rig_disks
from tests.vm.conftest import FAULT_SECTOR, ROOT, VM_TIMEOUT, Bench

pytestmark = [pytest.mark.vm, pytest.mark.timeout(VM_TIMEOUT)]

STANDARD = ("nvme", "sata", "scsi", "usb")


def _wipe_status(bench: Bench, serial: str) -> str | None:
    """Read from the host, in the station's database the guest wrote (the station has exited)."""
    with sqlite3.connect(f"file:{bench.data_host / 'station.sqlite3'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT wipe_status FROM units WHERE serial = ? ORDER BY id DESC", (serial,)).fetchall()
    return rows[0][0] if rows else None


def test_purge_formats_the_nvme_and_the_host_finds_no_original_byte(bench: Bench) -> None:
    image = bench.image("nvme")
    count = bench.seed("nvme")["nvme"]
    assert len(rig_disks.find_markers(image, count)) == count

    [r] = bench.station_json("wipe", "--method", "purge", "--yes", "RIGNVME0001")
    assert (r["status"], r["sanitized"], r["method_type"]) == ("FINISHED", True, "Purge"), r

    assert rig_disks.find_markers(image, count) == []
    assert rig_disks.nonzero_sectors(image) == []
    assert rig_disks.leftover_sectors(image) == []

    cert = bench.certificate(r["certificate"])
    assert cert["sanitized"] is True
    assert _wipe_status(bench, "RIGNVME0001") == "sanitized"  # the unit, as the firmware job recorded it
    assert cert["job"]["method_type"] == "Purge" and cert["job"]["technique"] == "format nvm"
    assert cert["job"]["passes"] == ["nvme-format-user-data"]
    assert cert["appendix_g"]["sanitization"]["method_type"] == "Purge"
    assert "NVMe Format (User Data Erase" in cert["appendix_g"]["sanitization"]["method_used"]
    formats = [c for c in cert["commands"] if c["argv"][:2] == ["nvme", "format"]]
    assert [c["argv"] for c in formats] == [["nvme", "format", bench.path("nvme"), "--ses=1", "--force"]]
    assert formats[0]["exit_code"] == 0 and "Success formatting namespace" in formats[0]["output"]
    assert all(c["output"] and c["started_at"] for c in cert["commands"]), cert["commands"]
    verified = bench.station("cert", "verify", r["certificate"])
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_sanitize_attempt_answered_unsupported_fails_cleanly_and_claims_nothing(bench: Bench) -> None:
    image = bench.image("nvme")
    count = bench.seed("nvme")["nvme"]
    res = bench.vm.station_call("tests.vm.guest_calls:nvme_sanitize_attempt", bench.path("nvme"),
                                path=str(ROOT))
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["probed_sanitize_supported"] is False and out["plan_method"] == "nvme-sanitize-block"
    assert out["status"] == "FAILED" and out["sanitized"] is False
    assert out["reason"].startswith("unsupported by the device"), out["reason"]
    assert "nothing was erased" in out["reason"]
    assert "NOT sanitized" in out["title"]
    sanitize = [c for c in out["commands"] if c["argv"][:2] == ["nvme", "sanitize"]]
    assert len(sanitize) == 1 and sanitize[0]["exit_code"] != 0
    assert "Invalid Command Opcode" in sanitize[0]["output"]
    # The station said nothing was erased, and nothing was: the host still finds the seeded data.
    assert len(rig_disks.find_markers(image, count)) >= count - 2  # station markers may land on a few
    assert len(rig_disks.leftover_sectors(image)) > 0.95 * image.stat().st_size / rig_disks.SECTOR


@pytest.fixture(scope="module")
def auto_wipe(bench: Bench) -> dict[str, Any]:
    """One `station wipe --method auto` on every disk at once, the faulty one included."""
    counts = bench.seed(*STANDARD, "faulty")
    serials = [bench.disk(name).serial for name in (*STANDARD, "faulty")]
    results = bench.station_json("wipe", "--method", "auto", "--yes", *serials, ok_codes=(1,))
    by_serial = {r["serial"]: r for r in results}
    return {"counts": counts, "results": {name: by_serial[bench.disk(name).serial] for name in (*STANDARD, "faulty")}}


@pytest.mark.parametrize(("name", "method_type", "technique", "method"), [
    ("nvme", "Purge", "format nvm", "purge"),
    ("sata", "Clear", "overwrite", "clear"),
    ("scsi", "Clear", "overwrite", "clear"),
    ("usb", "Clear", "overwrite", "clear"),
])
def test_auto_uses_the_best_method_each_controller_supports(bench: Bench, auto_wipe: dict[str, Any], name: str,
                                                           method_type: str, technique: str, method: str) -> None:
    r = auto_wipe["results"][name]
    assert (r["status"], r["sanitized"]) == ("FINISHED", True), r
    assert (r["method"], r["method_type"]) == (method, method_type), r
    cert = bench.certificate(r["certificate"])
    assert cert["sanitized"] is True
    assert (cert["job"]["method_type"], cert["job"]["technique"]) == (method_type, technique)
    assert cert["appendix_g"]["sanitization"]["method_type"] == method_type
    image = bench.image(name)
    assert rig_disks.find_markers(image, auto_wipe["counts"][name]) == []
    assert rig_disks.leftover_sectors(image) == []


def test_a_wipe_on_a_disk_with_a_bad_sector_ends_failed_with_the_range_recorded(bench: Bench,
                                                                                 auto_wipe: dict[str, Any]) -> None:
    r = auto_wipe["results"]["faulty"]
    assert r["status"] == "FAILED" and r["sanitized"] is False, r
    bad_byte = FAULT_SECTOR * rig_disks.SECTOR
    assert any(start <= bad_byte < start + length for start, length in r["bad_ranges"]), r["bad_ranges"]
    cert = bench.certificate(r["certificate"])
    assert cert["sanitized"] is False and "NOT sanitized" in cert["title"]
    assert _wipe_status(bench, r["serial"]) == "failed"
    assert [list(x) for x in cert["errors"]["bad_ranges"]] == r["bad_ranges"]
    # Everywhere but the bad range was written: the host finds seeded data only inside it.
    left = rig_disks.leftover_sectors(bench.image("faulty"))
    assert left, "the sector blkdebug refused to write should still hold its seeded data"
    for lba in left:
        assert any(start <= lba * rig_disks.SECTOR < start + length for start, length in r["bad_ranges"]), lba

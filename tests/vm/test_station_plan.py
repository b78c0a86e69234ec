"""`station plan --facts-from` on what each emulated controller really answers to the bench tools.

The reports are produced inside the guest by nvme-cli, hdparm and smartctl against the live
controllers, saved on the export, and given to the station's planner there.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.vm.conftest import VM_TIMEOUT, Bench

pytestmark = [pytest.mark.vm, pytest.mark.timeout(VM_TIMEOUT)]


def facts_file(bench: Bench, name: str, command: str) -> str:
    """Run a bench tool in the guest and save its answer on the export; the tool may exit non-zero
    (smartctl's status is a bit mask), the planner judges the content."""
    target = f"{bench.vm.guest_path(bench.vm.share)}/facts-{name}"
    bench.vm.run(f"{command} > {target}")
    assert (bench.vm.share / f"facts-{name}").stat().st_size > 0, f"{command} printed nothing"
    return target


def plan(bench: Bench, level: str, *files: str) -> dict[str, Any]:
    args = [a for f in files for a in ("--facts-from", f)]
    doc: dict[str, Any] = bench.station_json("plan", *args, "--level", level)
    return doc


def test_nvme_plans_purge_by_format_nvm_because_sanitize_is_absent(bench: Bench) -> None:
    ident = facts_file(bench, "nvme.json", f"nvme id-ctrl -o json {bench.path('nvme')}")
    doc = plan(bench, "purge", ident)
    assert doc["facts"]["bus"] == "nvme"
    assert doc["facts"]["sanitize_supported"] is False  # SANICAP = 0 on QEMU's controller
    result = doc["result"]
    assert result["kind"] == "plan", result
    assert result["method"] == "nvme-format-user-data"
    assert result["method_type"] == "Purge"
    assert result["technique"] == "format nvm"
    erase = [s for s in result["steps"] if s["action"] == "erase"]
    assert [s["method"] for s in erase] == ["nvme-format-user-data"]
    assert {"seed-markers", "check-markers"} <= {s["action"] for s in result["steps"]}


@pytest.fixture(scope="module")
def ahci_plan(bench: Bench) -> dict[str, Any]:
    ident = facts_file(bench, "sata.hdparm", f"hdparm -I {bench.path('sata')}")
    security = facts_file(bench, "sata.smartctl", f"smartctl -i -g security {bench.path('sata')}")
    return plan(bench, "purge", ident, security)


def test_ahci_without_security_feature_set_refuses_purge_and_offers_clear(ahci_plan: dict[str, Any]) -> None:
    doc = ahci_plan
    assert doc["facts"]["bus"] == "ata"
    assert doc["facts"]["security_supported"] is False  # smartctl: "ATA Security is: Unavailable"
    assert doc["facts"]["sanitize_supported"] is False
    result = doc["result"]
    assert result["kind"] == "refusal", result
    assert any(a.startswith("clear") for a in result["alternatives"]), result


def test_ahci_refusal_names_the_missing_security_feature_set(ahci_plan: dict[str, Any]) -> None:
    result = ahci_plan["result"]
    assert result["kind"] == "refusal", result
    assert "security" in result["reason"].lower(), (
        f"the refusal should say the ATA Security feature set is absent; it says: {result['reason']!r}")


def test_usb_disk_gets_clear_only(bench: Bench) -> None:
    report = facts_file(bench, "usb.smartctl", f"smartctl -i {bench.path('usb')}")
    purge = plan(bench, "purge", report)["result"]
    assert purge["kind"] == "refusal", purge
    assert any(a.startswith("clear") for a in purge["alternatives"]), purge
    clear = plan(bench, "clear", report)["result"]
    assert clear["kind"] == "plan" and clear["method_type"] == "Clear", clear
    assert clear["method"] == "overwrite"

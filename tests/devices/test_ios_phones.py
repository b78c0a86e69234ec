"""iPhones in `station phones`, read through the unmodified pymobiledevice3 from a simulated usbmuxd."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from station.cli import main
from station.devices.phone.apple_names import marketing_name
from station.devices.phone.ios import identity_from_values, list_iphones
from station.sim.adb_rig import AdbRig
from station.sim.ios_usbmuxd import SimulatedUsbmuxd

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def data(tmp_path: Path, rig: AdbRig) -> Path:
    """A station whose Android side asks the rig's private adb server, never the shared one on 5037."""
    d = tmp_path / "data"
    d.mkdir()
    (d / "station.toml").write_text(f"[phone]\nadb_server_port = {rig.client.server_port}\n")
    return d


@pytest.fixture
def muxd(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedUsbmuxd]:
    with SimulatedUsbmuxd() as server:
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", server.address)
        yield server


def test_identity_of_a_trusted_iphone_12(muxd, tmp_path: Path) -> None:
    phone = muxd.add("iphone12")
    [listed] = list_iphones(tmp_path / "pairing")
    assert listed.state == "ready" and listed.udid == phone.udid
    ident = listed.identity
    assert ident is not None
    assert (ident.marketing_name, ident.product_type, ident.serial) == ("iPhone 12", "iPhone13,2", "F2LDK3XYN6Y1")
    assert ident.imeis == ["356728113456780", "356728113498683"]  # both SIMs of a dual-SIM model
    assert ident.capacity_bytes == 128_000_000_000 and ident.ios_version == "17.5.1"
    assert ident.model_number == "MGJ53ZD/A"


def test_locked_then_untrusted_then_trusted_iphone_is_an_instruction_not_an_error(muxd, tmp_path: Path) -> None:
    phone = muxd.add("iphone11-untrusted")
    [listed] = list_iphones(tmp_path / "pairing")
    assert listed.state == "passcode" and listed.identity is None
    assert "Unlock it" in listed.instruction
    phone.lockdownd.model.passcode_locked = False
    [listed] = list_iphones(tmp_path / "pairing")
    assert listed.state == "untrusted" and "tap Trust" in listed.instruction
    phone.lockdownd.tap_trust()
    [listed] = list_iphones(tmp_path / "pairing")
    assert listed.state == "ready" and listed.identity is not None
    assert listed.identity.marketing_name == "iPhone 11"
    assert list((tmp_path / "pairing").glob("*.plist")), "the pair record is kept in the station's data dir"


def test_no_usbmuxd_means_no_iphones(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", str(tmp_path / "no-such-socket"))
    assert list_iphones(tmp_path / "pairing") == []


def test_invalid_imei_is_set_aside_and_unknown_models_keep_their_identifier() -> None:
    values = {"ProductType": "iPhone99,9", "InternationalMobileEquipmentIdentity": "356728113456781"}
    ident = identity_from_values(values)
    assert ident.imeis == [] and "356728113456781" in ident.imei_note
    assert marketing_name("iPhone99,9") == "iPhone99,9"


def test_station_phones_json_lists_iphones(muxd, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean, locked = muxd.add("iphone12"), muxd.add("iphone11-untrusted")
    capsys.readouterr()
    assert main(["--data-dir", str(data), "phones", "--json"]) == 0
    rows = {r["serial"]: r for r in json.loads(capsys.readouterr().out) if r["platform"] == "ios"}
    assert set(rows) == {clean.udid, locked.udid}
    assert rows[clean.udid]["state"] == "ready" and rows[clean.udid]["model"] == "iPhone 12"
    assert rows[clean.udid]["identity"]["serial"] == "F2LDK3XYN6Y1"
    assert rows[locked.udid]["state"] == "passcode" and rows[locked.udid]["identity"] is None
    assert main(["--data-dir", str(data), "phones"]) == 0
    text = capsys.readouterr().out
    assert "iPhone 12 (iPhone13,2)  serial F2LDK3XYN6Y1" in text and "PASSCODE" in text


def _checks(row: dict) -> dict[str, dict]:
    return {c["key"]: c for c in row["prechecks"]["checks"]}


def test_prechecks_block_activation_lock_and_supervision(muxd, data: Path, capsys) -> None:
    clean, owned, company = muxd.add("iphone12"), muxd.add("iphone12-activation-lock"), muxd.add("iphone13-supervised")
    capsys.readouterr()
    assert main(["--data-dir", str(data), "phones", "--json"]) == 0
    rows = {r["serial"]: r for r in json.loads(capsys.readouterr().out) if r["platform"] == "ios"}
    assert not rows[clean.udid]["blocked"]
    assert _checks(rows[clean.udid])["activation_lock"]["outcome"] == "pass"
    assert rows[owned.udid]["blocked"] and "Activation Lock" in rows[owned.udid]["block_reason"]
    assert _checks(rows[owned.udid])["activation_lock"]["facts"] == {"activation_state": "Activated", "find_my": True}
    assert rows[company.udid]["blocked"] and "Supervised" in rows[company.udid]["block_reason"]
    assert _checks(rows[company.udid])["battery"]["facts"]["level_percent"] == 64
    # MDM enrolment from MCInstall: the Device Enrollment record and the profile that may not be removed
    assert _checks(rows[clean.udid])["mdm"]["outcome"] == "pass"
    assert _checks(rows[clean.udid])["mdm"]["facts"]["mdm_enrolled"] is False
    mdm = _checks(rows[company.udid])["mdm"]
    assert mdm["outcome"] == "block" and mdm["facts"]["organization"] == "Acme Logistics"
    assert mdm["facts"]["device_enrollment"] and mdm["facts"]["unremovable_profiles"] == ["com.acme.mdm"]
    assert "Enrolled in device management (Acme Logistics)" in rows[company.udid]["block_reason"]
    # battery health from the diagnostics relay's AppleSmartBattery: full-charge over design capacity
    assert _checks(rows[clean.udid])["battery"]["facts"]["max_capacity_percent"] == 90  # 2534 / 2815 mAh
    assert _checks(rows[clean.udid])["battery"]["facts"]["cycle_count"] == 412
    worn = _checks(rows[company.udid])["battery"]  # 2420 / 3227 mAh = 75%: iOS would say "Service"
    assert worn["outcome"] == "warn" and worn["facts"]["max_capacity_percent"] == 75


def test_unreadable_find_my_on_an_activated_iphone_is_a_warning(muxd, tmp_path: Path) -> None:
    from station.erase.phone.ios_prechecks import ios_checks

    phone = muxd.add("iphone12-activation-lock")
    del phone.lockdownd.model.domains["com.apple.fmip"]  # an iOS that keeps Find My to itself
    del phone.lockdownd.model.domains["com.apple.mobile.chaperone"]  # and supervision
    [listed] = list_iphones(tmp_path / "pairing")
    checks = {c.key: c for c in ios_checks(listed.values, listed.domains)}
    assert checks["activation_lock"].outcome == "warn"
    assert checks["supervision"].outcome == "warn"  # no chaperone domain either

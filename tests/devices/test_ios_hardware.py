"""A real iPhone or iPad: `pytest -m hardware --device=ios:UDID` (plugged in, unlocked, this computer trusted).

Read-only: identity and pre-checks through the system's usbmuxd, exactly what `station phones`
shows. Nothing is erased; erasing a real iPhone is done with `station wipe ios:UDID` by a
technician at the bench. Deselected by default; with the marker and no iPhone named, it fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from stdnum import imei

from station.devices.phone.ios import read_iphone
from station.erase.phone.ios_prechecks import ios_checks


@pytest.mark.hardware
def test_real_iphone_identity_and_prechecks(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    udids = [d.removeprefix("ios:") for d in request.config.getoption("--device") if d.startswith("ios:")]
    assert udids, "name the iPhone: --device=ios:UDID (see `station phones`)"
    for udid in udids:
        listed = read_iphone(udid, tmp_path / "pairing")
        assert listed is not None, f"{udid}: usbmuxd does not list it"
        assert listed.state == "ready" and listed.identity is not None, f"{udid}: {listed.instruction}"
        ident = listed.identity
        assert ident.serial and ident.product_type and ident.ios_version
        assert all(imei.is_valid(i) for i in ident.imeis), ident.imei_note
        checks = {c.key: c for c in ios_checks(listed.values, listed.domains, listed.services)}
        assert set(checks) == {"activation_lock", "supervision", "mdm", "passcode", "battery"}
        # MCInstall and the diagnostics relay answer any trusted host: their readings are not "not checked"
        assert checks["mdm"].facts["mdm_enrolled"] is not None
        assert checks["battery"].facts["max_capacity_percent"] is not None

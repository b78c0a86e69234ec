"""A real phone: `pytest -m hardware --device=adb:SERIAL` (USB debugging on, this computer allowed).

Read-only: identity and pre-checks, exactly what `station phones` shows. Nothing is erased;
erasing a real phone is done with `station wipe adb:SERIAL` by a technician at the bench.
Deselected by default; with the marker and no phone named, it fails (it never skips).
"""

from __future__ import annotations

import pytest
from stdnum import imei

from station.config import Config
from station.devices.phone.adb import AdbClient
from station.devices.phone.identity import read_identity
from station.erase.phone.prechecks import run_prechecks


@pytest.mark.hardware
def test_real_phone_identity_and_prechecks(request: pytest.FixtureRequest) -> None:
    serials = [d.removeprefix("adb:") for d in request.config.getoption("--device") if d.startswith("adb:")]
    assert serials, "name the phone: --device=adb:SERIAL (see `adb devices`)"
    client = AdbClient()  # the technician's adb server on 5037, with their key
    for serial in serials:
        assert client.state(serial) == "device", f"{serial}: unlock it and allow USB debugging"
        props = client.getprop(serial)
        identity = read_identity(client, serial, props)
        assert identity.serial and identity.model and identity.android_version
        assert identity.imei is None or imei.is_valid(identity.imei), identity.imei_note
        checks = run_prechecks(client, serial, props, identity, Config())
        assert checks.method_type in ("Purge", "Clear")
        assert {c.key for c in checks.checks} >= {"google_account", "device_owner", "encryption", "verified_boot"}

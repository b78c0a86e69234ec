"""The simulated iPhone speaks usbmuxd's plist protocol and lockdownd well enough for the unmodified pymobiledevice3."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pymobiledevice3 import usbmux
from pymobiledevice3.exceptions import (
    ConnectionTerminatedError,
    PairingDialogResponsePendingError,
    PasswordRequiredError,
)
from pymobiledevice3.lockdown import create_using_usbmux

from station.sim.ios_usbmuxd import SimulatedUsbmuxd

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def muxd(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedUsbmuxd]:
    with SimulatedUsbmuxd() as server:
        # The variable every libusbmuxd client honours: nothing in pymobiledevice3 is patched.
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", server.address)
        yield server


def test_pymobiledevice3_lists_the_device_and_reads_its_identity_in_a_tls_session(muxd, tmp_path: Path) -> None:
    phone = muxd.add("iphone12")

    async def read() -> tuple[list[str], dict, bool]:
        listed = [d.serial for d in await usbmux.list_devices()]
        lockdown = await create_using_usbmux(serial=phone.udid, autopair=False, pairing_records_cache_folder=tmp_path)
        try:
            return listed, dict(lockdown.all_values), lockdown.paired
        finally:
            await lockdown.close()

    listed, values, paired = asyncio.run(read())
    assert listed == [phone.udid]
    assert paired, "the pair record usbmuxd keeps must open a session"
    assert "StartSession" in phone.lockdownd.requests
    assert values["ProductType"] == "iPhone13,2"
    assert values["SerialNumber"] == "F2LDK3XYN6Y1"  # only given inside the TLS session
    assert values["InternationalMobileEquipmentIdentity"] == "356728113456780"
    assert values["InternationalMobileEquipmentIdentity2"] == "356728113498683"
    assert values["ProductVersion"] == "17.5.1"


def test_without_a_session_lockdownd_keeps_the_serial_to_itself(muxd, tmp_path: Path) -> None:
    phone = muxd.add("iphone12")
    muxd.pair_records.clear()  # this host was never trusted

    async def read() -> dict:
        lockdown = await create_using_usbmux(serial=phone.udid, autopair=False, pairing_records_cache_folder=tmp_path)
        try:
            assert not lockdown.paired
            return dict(lockdown.all_values)
        finally:
            await lockdown.close()

    values = asyncio.run(read())
    assert values["ProductType"] == "iPhone13,2"
    assert "SerialNumber" not in values and "InternationalMobileEquipmentIdentity" not in values


def test_trust_prompt_then_pairing_through_pymobiledevice3(muxd, tmp_path: Path) -> None:
    phone = muxd.add("iphone11-untrusted")

    async def connect() -> dict:
        lockdown = await create_using_usbmux(serial=phone.udid, autopair=True, pair_timeout=0,
                                             pairing_records_cache_folder=tmp_path)
        try:
            return dict(lockdown.all_values)
        finally:
            await lockdown.close()

    with pytest.raises(PasswordRequiredError):
        asyncio.run(connect())
    phone.lockdownd.model.passcode_locked = False  # unlocked, but Trust not tapped yet
    with pytest.raises(PairingDialogResponsePendingError):
        asyncio.run(connect())
    phone.lockdownd.tap_trust()
    values = asyncio.run(connect())  # pairs: a certificate chain made by pymobiledevice3, then TLS with it
    assert values["SerialNumber"] == "DX3ZP9A1N73F"
    assert phone.udid in muxd.pair_records, "pymobiledevice3 hands the new record to usbmuxd"


def test_a_host_with_the_host_id_but_not_the_host_key_gets_no_session(muxd, tmp_path: Path) -> None:
    import plistlib

    from station.sim.ios_lockdownd import make_pair_record

    phone = muxd.add("iphone12")
    genuine = plistlib.loads(muxd.pair_records[phone.udid])
    forged = {**make_pair_record(phone.lockdownd.key, muxd.buid), "HostID": genuine["HostID"]}
    muxd.pair_records[phone.udid] = plistlib.dumps(forged)

    async def read() -> dict:
        lockdown = await create_using_usbmux(serial=phone.udid, autopair=False, pairing_records_cache_folder=tmp_path)
        try:
            return dict(lockdown.all_values)
        finally:
            await lockdown.close()

    # The device refuses the TLS handshake, so the session drops before any private value is sent.
    with pytest.raises(ConnectionTerminatedError):
        asyncio.run(read())
    assert "StartSession" in phone.lockdownd.requests

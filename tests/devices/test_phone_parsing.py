"""What the station reads from a phone's answers: device lists, properties, Parcels, dumpsys."""

from __future__ import annotations

import pytest

from station.devices.phone.adb import parse_getprop
from station.devices.phone.identity import parse_battery, parse_parcel_string
from station.devices.phone.states import instruction, parse_devices
from station.erase.phone.prechecks import (
    boot_check,
    encryption_check,
    mask,
    parse_accounts,
    parse_device_policy,
)
from station.sim.adb_shell import _parcel

DEVICES = """\
* daemon not running; starting now at tcp:5037
* daemon started successfully
List of devices attached
0B201JECB12345         device usb:1-1.2 product:bluejay model:Pixel_6a device:bluejay transport_id:3
R58M70ABCDE            unauthorized usb:1-1.3 transport_id:4
emulator-5554          offline transport_id:5
192.168.1.20:5555      recovery product:o1sxeea model:SM_G991B device:o1s transport_id:6
ZY22ABCDEF             no permissions (user in plugdev group; are your udev rules wrong?); \
see [http://developer.android.com/tools/device.html] usb:1-4 transport_id:7
0123456789ABCDEF       sideload product:osprey model:Moto_G device:osprey transport_id:8

"""


def test_devices_list_every_state_with_its_attributes() -> None:
    phones = {p.serial: p for p in parse_devices(DEVICES)}
    assert {s: p.state for s, p in phones.items()} == {
        "0B201JECB12345": "device", "R58M70ABCDE": "unauthorized", "emulator-5554": "offline",
        "192.168.1.20:5555": "recovery", "ZY22ABCDEF": "no permissions", "0123456789ABCDEF": "sideload"}
    pixel = phones["0B201JECB12345"]
    assert pixel.model == "Pixel 6a" and pixel.attrs["usb"] == "1-1.2" and not pixel.is_tcp
    assert phones["192.168.1.20:5555"].is_tcp and not phones["emulator-5554"].is_tcp
    assert phones["ZY22ABCDEF"].attrs["usb"] == "1-4"


@pytest.mark.parametrize(("state", "words"), [
    ("unauthorized", "Accept the USB debugging prompt on the phone"),
    ("offline", "Unplug and re-plug the cable"),
    ("recovery", "Wipe data/factory reset"),
    ("sideload", "Choose 'Cancel'"),
    ("device", "ready for checks and erase"),
    ("no permissions", "udev rules"),
    ("warp-drive", "reports the state 'warp-drive'"),
])
def test_each_state_has_an_instruction(state: str, words: str) -> None:
    assert words in instruction(state)


def test_getprop_counts_malformed_lines() -> None:
    props, bad = parse_getprop("[ro.product.model]: [Pixel 6a]\n[ro.serialno]: [X1]\n\ngarbage here\n[half: [x\n")
    assert props == {"ro.product.model": "Pixel 6a", "ro.serialno": "X1"} and bad == 2
    assert parse_getprop("[ro.empty]: []\n") == ({"ro.empty": ""}, 0)


def test_parcel_string_round_trips_and_refuses_exceptions() -> None:
    assert parse_parcel_string(_parcel(0, "356938035643809").decode()) == "356938035643809"
    assert parse_parcel_string(_parcel(0, "A0000012345678").decode()) == "A0000012345678"  # MEID, odd padding
    assert parse_parcel_string(_parcel(0xFFFFFFFF, "SecurityException: nope").decode()) is None
    assert parse_parcel_string("Result: Parcel(00000000 ffffffff   '........')") is None  # null string
    assert parse_parcel_string("Result: Parcel(00000000    '....')") is None
    assert parse_parcel_string("service: Service iphonesubinfo does not exist") is None
    # a length larger than the data is garbage, not a shorter IMEI
    assert parse_parcel_string("Result: Parcel(\n  0x00000000: 00000000 0000000f 00350033 '....3.5.')") is None


def test_battery() -> None:
    text = "Current Battery Service state:\n  AC powered: false\n  health: 3\n  level: 41\n  scale: 100\n"
    assert parse_battery(text) == (41, "overheat")
    assert parse_battery("  level: 50\n  scale: 200\n  health: 2\n") == (25, "good")
    assert parse_battery("Can't find service: battery\n") == (None, None)


def test_accounts_are_parsed_and_masked() -> None:
    text = ("User UserInfo{0:Owner:c13}:\n  Accounts: 2\n    Account {name=jane.doe@gmail.com, type=com.google}\n"
            "    Account {name=jd, type=com.osp.app.signin}\n\n  Accounts History\n")
    assert parse_accounts(text) == [("jane.doe@gmail.com", "com.google"), ("jd", "com.osp.app.signin")]
    assert mask("jane.doe@gmail.com") == "j***@gmail.com" and mask("jd") == "j***"


ANDROID_7_POLICY = """\
Current Device Policy Manager state:
  Device Owner:
    admin=ComponentInfo{com.airwatch.androidagent/com.airwatch.agent.DeviceAdministratorReceiver}
    name=AirWatch
    package=com.airwatch.androidagent

  Enabled Device Admins (User 0, provisioningState: 3):
    com.airwatch.androidagent/com.airwatch.agent.DeviceAdministratorReceiver:
"""

ANDROID_13_POLICY = """\
Current Device Policy Manager state:
  Immutable state:
    mHasFeature=true
  Profile Owner (User 10):
    admin=ComponentInfo{com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver}
    name=Android Device Policy

  Enabled Device Admins (User 0, provisioningState: 0):
    admin=ComponentInfo{com.example.findmy/.Admin}
"""


def test_device_policy_owner_and_profile_owner() -> None:
    owner, profiles = parse_device_policy(ANDROID_7_POLICY)
    assert owner == "com.airwatch.androidagent/com.airwatch.agent.DeviceAdministratorReceiver" and profiles == []
    owner, profiles = parse_device_policy(ANDROID_13_POLICY)
    assert owner is None  # an enabled device admin is not an owner
    assert profiles == ["com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver"]


@pytest.mark.parametrize(("props", "sdk", "encryption", "method_type"), [
    ({"ro.crypto.state": "encrypted", "ro.crypto.type": "file"}, 34, "file-based", "Purge"),
    ({"ro.crypto.state": "encrypted", "ro.crypto.type": "block"}, 28, "full-disk", "Purge"),
    ({"ro.crypto.state": "encrypted"}, 23, "full-disk", "Purge"),
    ({"ro.crypto.state": "encrypted", "ro.crypto.type": "block"}, 21, "full-disk", "Clear"),  # switched on later
    ({"ro.crypto.state": "unencrypted"}, 23, "none", "Clear"),
    ({}, None, "none", "Clear"),
])
def test_encryption_decides_purge_or_clear(props: dict[str, str], sdk: int | None, encryption: str,
                                           method_type: str) -> None:
    check, enc, mt = encryption_check(props, sdk)
    assert (enc, mt) == (encryption, method_type) and check.detail


def test_verified_boot_and_bootloader_are_flagged() -> None:
    ok = boot_check({"ro.boot.verifiedbootstate": "green", "ro.boot.flash.locked": "1"})
    assert ok.outcome == "pass" and ok.facts == {"verified_boot": "green", "bootloader_locked": True}
    unlocked = boot_check({"ro.boot.verifiedbootstate": "orange", "ro.boot.vbmeta.device_state": "unlocked"})
    assert unlocked.outcome == "warn" and unlocked.facts["bootloader_locked"] is False
    assert "verified boot orange, bootloader unlocked" in unlocked.title
    assert boot_check({}).facts == {"verified_boot": "unknown", "bootloader_locked": None}


def test_the_checks_are_kept_in_english_and_shown_in_the_interface_language() -> None:
    """The Wipe panel and `station phones` showed a phone's and an iPhone's pre-checks in English in every
    language, though the unit's hold, the event and the job must keep them English."""
    from station import i18n
    from station.erase.phone.ios_prechecks import ios_checks
    from station.erase.phone.prechecks import Prechecks, _account_checks

    accounts = _account_checks([("jane.doe@gmail.com", "com.google"), ("jd", "com.osp.app.signin")])
    boot = boot_check({"ro.boot.verifiedbootstate": "orange", "ro.boot.flash.locked": "0"})
    android = Prechecks([*accounts, boot], "Purge", "file-based", False)
    iphone = ios_checks({"ActivationState": "Activated"}, {"com.apple.fmip": {"IsAssociated": True},
                                                            "com.apple.mobile.battery": {"BatteryCurrentCapacity": 41}},
                        {"battery": {"DesignCapacity": 100, "AppleRawMaxCapacity": 72, "CycleCount": 812}})
    try:
        i18n.use("es")
        assert android.shown_reason().startswith(
            "Cuenta de Google iniciada (j***@gmail.com): El bloqueo de cuenta de Google/FRP dejaría fuera"), \
            android.shown_reason()
        assert "Cuenta de Samsung (Bloqueo de reactivación) iniciada (j***): " in android.shown_reason()
        assert android.checks[-1].shown_line().startswith("Marcado: arranque verificado orange, bootloader "
                                                          "desbloqueado: Los compradores")
        i18n.use("pl")
        assert iphone[0].shown_line().startswith("Blokada aktywacji (Znajdź) jest włączona: Po wymazaniu iPhone")
        assert iphone[-1].shown_line() == (
            "Kondycja baterii 72% (pełne naładowanie względem fabrycznego), cykle: 812: Naładowany do 41%. Poniżej "
            "80% iOS zaleca serwis. Uwzględnij kondycję baterii w ocenie; przed sprzedażą jako nowy wymień baterię.")
        assert android.reason().startswith("Google account signed in (j***@gmail.com): Factory Reset Protection")
    finally:
        i18n.use("en")
    assert android.shown_reason() == android.reason()
    assert iphone[-1].line() == ("Battery health 72% (full charge against design), 812 cycles: Charged to 41%. "
                                 "Under 80%, iOS recommends service. Grade it with the battery health; replace the "
                                 "battery before resale as new.")

"""Whether an iPhone came back erased: what lockdownd tells a new session after Erase All Content and Settings.

Every check says what was expected and what was found; one that could not be read fails.
- same_device: the serial read before the erase. Another board answering on the cable (or a
  device that was swapped) must never carry this iPhone's certificate.
- activation_state: Unactivated. An erased iPhone waits in Setup Assistant to be activated.
- setup_done: com.apple.purplebuddy SetupDone is not true: Setup Assistant has not been finished.
- find_my: off. (Activation Lock would have been refused before the erase; this is the record.)
- passcode: none. The erase removes the passcode with the keys it protected.
- profiles: none left installed (MCInstall's list), so no organisation's settings survive.

This proves the device was reset to Setup Assistant by its own erase, not that any block of
flash was read back: iOS gives a host no access to the raw storage. Purge rests on the erase
destroying the Data Protection keys, as Apple documents it.
"""

from __future__ import annotations

from typing import Any

from station.certs.result import Verification, VerifyMode
from station.devices.phone.ios import ListedIPhone

MODE: VerifyMode = "ios-setup-assistant"
EXPECTED = "the same iPhone in Setup Assistant: unactivated, Find My off, no passcode, no profiles"


def _check(name: str, expected: Any, found: Any, passed: bool) -> dict[str, Any]:
    return {"check": name, "expected": expected, "found": found, "passed": passed}


def verify_erased(serial_before: str, back: ListedIPhone) -> Verification:
    values, domains, services = back.values, back.domains, back.services
    serial = str(values.get("SerialNumber") or "")
    activation = values.get("ActivationState")
    setup_done = (domains.get("com.apple.purplebuddy") or {}).get("SetupDone")
    fmip = domains.get("com.apple.fmip")
    find_my = None if fmip is None else bool(fmip.get("IsAssociated"))
    profiles = services.get("profiles")
    checks = [
        _check("same_device", serial_before, serial or None, bool(serial) and serial == serial_before),
        _check("activation_state", "Unactivated", activation, activation == "Unactivated"),
        # A fresh device may leave SetupDone out; an unreadable domain fails.
        _check("setup_done", False, setup_done, "com.apple.purplebuddy" in domains and setup_done is not True),
        _check("find_my", False, find_my, find_my is False),
        _check("passcode", False, values.get("PasswordProtected"), values.get("PasswordProtected") is False),
        _check("profiles", 0, None if profiles is None else len(profiles), profiles == {}),
    ]
    return Verification(mode=MODE, passed=all(c["passed"] for c in checks), expected=EXPECTED,
                        detail={"method": "lockdownd over usbmuxd: a new pairing and session after the erase",
                                "udid": back.udid, "checks": checks})

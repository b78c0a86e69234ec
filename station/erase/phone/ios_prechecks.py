"""Pre-checks before an iPhone is erased, from what lockdownd tells a paired host, each in plain words.

- Find My (com.apple.fmip IsAssociated) means Activation Lock: after an erase the iPhone
  asks for the owner's Apple Account and the next owner is locked out. Blocked until the
  owner removes it. Where iOS does not tell, an activated device is a warning to check by hand.
- Supervision (com.apple.mobile.chaperone DeviceIsChaperoned) means an organisation manages
  the device and can re-enrol it after the erase: blocked, as a device owner is on Android.
- MDM enrolment is not among lockdownd's values (it takes the MCInstall service, which the
  station does not use yet): said so, never reported as "not enrolled".
- A passcode does not stop the erase, but the technician must know it to trust the computer.
- Battery: lockdownd gives the charge level only; maximum capacity and cycle count take the
  diagnostics relay, which the station does not read yet.
"""

from __future__ import annotations

from typing import Any

from station.erase.phone.prechecks import Check


def ios_checks(values: dict[str, Any], domains: dict[str, dict[str, Any]]) -> list[Check]:
    return [_find_my(values, domains.get("com.apple.fmip")), _supervision(domains.get("com.apple.mobile.chaperone")),
            _mdm(), _passcode(values), _battery(domains.get("com.apple.mobile.battery"))]


def _find_my(values: dict[str, Any], fmip: dict[str, Any] | None) -> Check:
    activation = str(values.get("ActivationState", "unknown"))
    facts = {"activation_state": activation, "find_my": None if fmip is None else bool(fmip.get("IsAssociated"))}
    if fmip is not None and fmip.get("IsAssociated"):
        return Check("activation_lock", "block", "Activation Lock (Find My) is on",
                     "After an erase the iPhone would ask for the owner's Apple Account; nobody else can set it up.",
                     "Ask the owner to sign out of iCloud (Settings > [name] > Sign Out) or remove it at "
                     "icloud.com/find, then check again. Until then the unit is on HOLD.", facts)
    if fmip is None and activation != "Unactivated":
        return Check("activation_lock", "warn", "Find My status not readable",
                     f"This iOS does not tell a paired host whether Find My is on; the iPhone is {activation}.",
                     "Open Settings > [name] > Find My on the iPhone and make sure Find My iPhone is off.", facts)
    return Check("activation_lock", "pass", "Find My is off", "No Activation Lock: the next owner can set it up.",
                 facts=facts)


def _supervision(chaperone: dict[str, Any] | None) -> Check:
    supervised = None if chaperone is None else bool(chaperone.get("DeviceIsChaperoned"))
    if supervised:
        return Check("supervision", "block", "Supervised by an organisation",
                     "The iPhone is managed (supervised): its organisation can enrol it again after the erase.",
                     "Ask the organisation to release it from Apple Business Manager, then check again.",
                     {"supervised": True})
    if supervised is None:
        return Check("supervision", "warn", "Supervision not readable",
                     "This iOS does not tell a paired host whether it is supervised.",
                     "Look for 'This iPhone is supervised' at the top of Settings > General > About.",
                     {"supervised": None})
    return Check("supervision", "pass", "Not supervised", "No organisation manages this iPhone.",
                 facts={"supervised": False})


def _mdm() -> Check:
    return Check("mdm", "info", "MDM enrolment not checked",
                 "lockdownd does not tell whether a management profile is installed.",
                 "Look under Settings > General > VPN & Device Management for a management profile.",
                 {"mdm_enrolled": None})


def _passcode(values: dict[str, Any]) -> Check:
    if values.get("PasswordProtected"):
        return Check("passcode", "info", "Passcode set", "The erase removes it; the technician needed it to trust.",
                     facts={"passcode": True})
    return Check("passcode", "pass", "No passcode", "Nothing to unlock.", facts={"passcode": False})


def _battery(battery: dict[str, Any] | None) -> Check:
    level = None if battery is None else battery.get("BatteryCurrentCapacity")
    facts = {"level_percent": level, "max_capacity_percent": None, "cycle_count": None}
    detail = f"Charged to {level}%." if level is not None else "The charge level is not readable."
    return Check("battery", "info", "Battery", detail + " Maximum capacity and cycle count are not read yet.",
                 facts=facts)


def blocking_reason(checks: list[Check]) -> str:
    return " ".join(f"{c.title}: {c.detail} {c.action}".strip() for c in checks if c.outcome == "block")

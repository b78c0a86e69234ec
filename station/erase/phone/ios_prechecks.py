"""Pre-checks before an iPhone is erased, from what lockdownd tells a paired host, each in plain words.

- Find My (com.apple.fmip IsAssociated) means Activation Lock: after an erase the iPhone
  asks for the owner's Apple Account and the next owner is locked out. Blocked until the
  owner removes it. Where iOS does not tell, an activated device is a warning to check by hand.
- Supervision (com.apple.mobile.chaperone DeviceIsChaperoned) means an organisation manages
  the device and can re-enrol it after the erase: blocked, as a device owner is on Android.
- MDM enrolment comes from the MCInstall service: a cloud configuration naming an MDM server
  (Device Enrollment) re-enrols the iPhone after any erase, and a profile that may not be
  removed is an organisation's management: blocked. Other profiles are a warning (the erase
  removes them). Where MCInstall did not answer, said so, never reported as "not enrolled".
- A passcode does not stop the erase, but the technician must know it to trust the computer.
- Battery: maximum capacity (full-charge capacity over design capacity) and cycle count come
  from the diagnostics relay's AppleSmartBattery; below 80% is what iOS calls "service", a warning.
"""

from __future__ import annotations

from typing import Any

from station.erase.phone.prechecks import Check

SERVICE_BATTERY_PERCENT = 80  # iOS shows "Service" under Battery Health below this


def ios_checks(values: dict[str, Any], domains: dict[str, dict[str, Any]],
               services: dict[str, Any] | None = None) -> list[Check]:
    services = services or {}
    return [_find_my(values, domains.get("com.apple.fmip")), _supervision(domains.get("com.apple.mobile.chaperone")),
            _mdm(services.get("cloud_configuration"), services.get("profiles")), _passcode(values),
            _battery(domains.get("com.apple.mobile.battery"), services.get("battery"))]


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


def _mdm(cloud: dict[str, Any] | None, profiles: dict[str, dict[str, Any]] | None) -> Check:
    look = "Look under Settings > General > VPN & Device Management for a management profile."
    if cloud is None or profiles is None:
        return Check("mdm", "info", "MDM enrolment not checked",
                     "The iPhone's configuration service (MCInstall) did not answer.", look, {"mdm_enrolled": None})
    org = str(cloud.get("OrganizationName") or "")
    server = str(cloud.get("ConfigurationURL") or cloud.get("MDMServerURL") or "")
    locked = [k for k, v in profiles.items() if v.get("PayloadRemovalDisallowed")]
    facts = {"mdm_enrolled": bool(server or cloud.get("IsMDMUnremovable") or locked), "organization": org or None,
             "device_enrollment": bool(server), "profiles": sorted(profiles), "unremovable_profiles": locked}
    if facts["mdm_enrolled"]:
        who = org or next((str(profiles[k].get("PayloadOrganization") or "") for k in locked), "") or "an organisation"
        how = ("assigned to it through Device Enrollment: it enrols itself again after any erase"
               if server else "its management profile cannot be removed on the iPhone")
        return Check("mdm", "block", f"Enrolled in device management ({who})", f"The iPhone is {how}.",
                     "Ask the organisation to release it from its MDM and from Apple Business Manager, then check "
                     "again. Until then the unit is on HOLD.", facts)
    if profiles:
        names = ", ".join(str(v.get("PayloadDisplayName") or k) for k, v in profiles.items())
        return Check("mdm", "warn", f"Configuration profiles installed ({names})",
                     "No device management, but profiles are installed; the erase removes them.", look, facts)
    return Check("mdm", "pass", "Not enrolled in device management",
                 "No Device Enrollment record and no configuration profiles.", facts=facts)


def _passcode(values: dict[str, Any]) -> Check:
    if values.get("PasswordProtected"):
        return Check("passcode", "info", "Passcode set", "The erase removes it; the technician needed it to trust.",
                     facts={"passcode": True})
    return Check("passcode", "pass", "No passcode", "Nothing to unlock.", facts={"passcode": False})


def battery_health(registry: dict[str, Any] | None) -> tuple[int | None, int | None]:
    """(maximum capacity in percent of design, cycle count) from an AppleSmartBattery registry entry."""
    if not registry:
        return None, None
    design = registry.get("DesignCapacity")
    full = registry.get("AppleRawMaxCapacity") or registry.get("NominalChargeCapacity")
    cycles = registry.get("CycleCount")
    health = round(100 * int(full) / int(design)) if design and full else None
    return (min(health, 100) if health is not None else None), (int(cycles) if cycles is not None else None)


def _battery(battery: dict[str, Any] | None, registry: dict[str, Any] | None) -> Check:
    level = None if battery is None else battery.get("BatteryCurrentCapacity")
    health, cycles = battery_health(registry)
    facts = {"level_percent": level, "max_capacity_percent": health, "cycle_count": cycles}
    detail = f"Charged to {level}%." if level is not None else "The charge level is not readable."
    if health is None:
        return Check("battery", "info", "Battery", detail + " The diagnostics relay did not give battery health.",
                     facts=facts)
    title = f"Battery at {health}% of its design capacity, {cycles if cycles is not None else '?'} cycles"
    if health < SERVICE_BATTERY_PERCENT:
        return Check("battery", "warn", title, f"{detail} Below {SERVICE_BATTERY_PERCENT}% iOS recommends service.",
                     "Grade it with the battery health; replace the battery before resale as new.", facts)
    return Check("battery", "info", title, detail, facts=facts)

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
from station.i18n import N_, composed

SERVICE_BATTERY_PERCENT = 80  # iOS shows "Service" under Battery Health below this

# English where they are made, as the unit's hold and the job keep them; shown through i18n.shown().
(LOCK_ON, LOCK_ON_DETAIL, LOCK_ON_ACTION, FIND_MY_UNREAD, FIND_MY_UNREAD_DETAIL, FIND_MY_UNREAD_ACTION, FIND_MY_OFF,
 FIND_MY_OFF_DETAIL, SUPERVISED, SUPERVISED_DETAIL, SUPERVISED_ACTION, SUPERVISION_UNREAD, SUPERVISION_UNREAD_DETAIL,
 SUPERVISION_UNREAD_ACTION, NOT_SUPERVISED, NOT_SUPERVISED_DETAIL, LOOK, MDM_UNCHECKED, MDM_UNCHECKED_DETAIL,
 ENROLLED, AN_ORGANISATION, BY_ENROLLMENT, BY_PROFILE, ENROLLED_ACTION, PROFILES, PROFILES_DETAIL, NOT_ENROLLED,
 NOT_ENROLLED_DETAIL, PASSCODE, PASSCODE_DETAIL, NO_PASSCODE, NO_PASSCODE_DETAIL, CHARGED, CHARGE_UNREAD, BATTERY,
 NO_HEALTH, HEALTH, HEALTH_UNKNOWN_CYCLES, SERVICE, SERVICE_ACTION) = composed(
    N_("Activation Lock (Find My) is on"),
    N_("After an erase the iPhone would ask for the owner's Apple Account; nobody else can set it up."),
    N_("Ask the owner to sign out of iCloud (Settings > [name] > Sign Out) or remove it at icloud.com/find, then "
       "check again. Until then the unit is on HOLD."),
    N_("Find My status not readable"),
    N_("This iOS does not tell a paired host whether Find My is on; the iPhone is {activation}."),
    N_("Open Settings > [name] > Find My on the iPhone and make sure Find My iPhone is off."),
    N_("Find My is off"),
    N_("No Activation Lock: the next owner can set it up."),
    N_("Supervised by an organisation"),
    N_("The iPhone is managed (supervised): its organisation can enrol it again after the erase."),
    N_("Ask the organisation to release it from Apple Business Manager, then check again."),
    N_("Supervision not readable"),
    N_("This iOS does not tell a paired host whether it is supervised."),
    N_("Look for 'This iPhone is supervised' at the top of Settings > General > About."),
    N_("Not supervised"),
    N_("No organisation manages this iPhone."),
    N_("Look under Settings > General > VPN & Device Management for a management profile."),
    N_("MDM enrolment not checked"),
    N_("The iPhone's configuration service (MCInstall) did not answer."),
    N_("Enrolled in device management ({organisation})"),
    N_("an organisation"),
    N_("The iPhone is assigned to it through Device Enrollment: it enrols itself again after any erase."),
    N_("The iPhone's management profile cannot be removed on the iPhone."),
    N_("Ask the organisation to release it from its MDM and from Apple Business Manager, then check again. Until "
       "then the unit is on HOLD."),
    N_("Configuration profiles installed ({profiles})"),
    N_("No device management, but profiles are installed; the erase removes them."),
    N_("Not enrolled in device management"),
    N_("No Device Enrollment record and no configuration profiles."),
    N_("Passcode set"),
    N_("The erase removes it; the technician needed it to trust."),
    N_("No passcode"),
    N_("Nothing to unlock."),
    N_("Charged to {level}%."),
    N_("The charge level is not readable."),
    N_("Battery"),
    N_("{charge} The diagnostics relay did not give battery health."),
    N_("Battery health {health}% (full charge against design), {cycles} cycles"),
    N_("Battery health {health}% (full charge against design), cycles unknown"),
    N_("{charge} Under {percent}%, iOS recommends service."),
    N_("Grade it with the battery health; replace the battery before resale as new."))


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
        return Check("activation_lock", "block", LOCK_ON, LOCK_ON_DETAIL, LOCK_ON_ACTION, facts)
    if fmip is None and activation != "Unactivated":
        return Check("activation_lock", "warn", FIND_MY_UNREAD, FIND_MY_UNREAD_DETAIL.format(activation=activation),
                     FIND_MY_UNREAD_ACTION, facts)
    return Check("activation_lock", "pass", FIND_MY_OFF, FIND_MY_OFF_DETAIL, facts=facts)


def _supervision(chaperone: dict[str, Any] | None) -> Check:
    supervised = None if chaperone is None else bool(chaperone.get("DeviceIsChaperoned"))
    if supervised:
        return Check("supervision", "block", SUPERVISED, SUPERVISED_DETAIL, SUPERVISED_ACTION, {"supervised": True})
    if supervised is None:
        return Check("supervision", "warn", SUPERVISION_UNREAD, SUPERVISION_UNREAD_DETAIL, SUPERVISION_UNREAD_ACTION,
                     {"supervised": None})
    return Check("supervision", "pass", NOT_SUPERVISED, NOT_SUPERVISED_DETAIL, facts={"supervised": False})


def _mdm(cloud: dict[str, Any] | None, profiles: dict[str, dict[str, Any]] | None) -> Check:
    if cloud is None or profiles is None:
        return Check("mdm", "info", MDM_UNCHECKED, MDM_UNCHECKED_DETAIL, LOOK, {"mdm_enrolled": None})
    org = str(cloud.get("OrganizationName") or "")
    server = str(cloud.get("ConfigurationURL") or cloud.get("MDMServerURL") or "")
    locked = [k for k, v in profiles.items() if v.get("PayloadRemovalDisallowed")]
    facts = {"mdm_enrolled": bool(server or cloud.get("IsMDMUnremovable") or locked), "organization": org or None,
             "device_enrollment": bool(server), "profiles": sorted(profiles), "unremovable_profiles": locked}
    if facts["mdm_enrolled"]:
        who = org or next((str(profiles[k].get("PayloadOrganization") or "") for k in locked), "") or AN_ORGANISATION
        return Check("mdm", "block", ENROLLED.format(organisation=who), BY_ENROLLMENT if server else BY_PROFILE,
                     ENROLLED_ACTION, facts)
    if profiles:
        names = ", ".join(str(v.get("PayloadDisplayName") or k) for k, v in profiles.items())
        return Check("mdm", "warn", PROFILES.format(profiles=names), PROFILES_DETAIL, LOOK, facts)
    return Check("mdm", "pass", NOT_ENROLLED, NOT_ENROLLED_DETAIL, facts=facts)


def _passcode(values: dict[str, Any]) -> Check:
    if values.get("PasswordProtected"):
        return Check("passcode", "info", PASSCODE, PASSCODE_DETAIL, facts={"passcode": True})
    return Check("passcode", "pass", NO_PASSCODE, NO_PASSCODE_DETAIL, facts={"passcode": False})


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
    detail = CHARGED.format(level=level) if level is not None else CHARGE_UNREAD
    if health is None:
        return Check("battery", "info", BATTERY, NO_HEALTH.format(charge=detail), facts=facts)
    title = (HEALTH.format(health=health, cycles=cycles) if cycles is not None
             else HEALTH_UNKNOWN_CYCLES.format(health=health))
    if health < SERVICE_BATTERY_PERCENT:
        return Check("battery", "warn", title, SERVICE.format(charge=detail, percent=SERVICE_BATTERY_PERCENT),
                     SERVICE_ACTION, facts)
    return Check("battery", "info", title, detail, facts=facts)

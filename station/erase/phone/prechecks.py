"""Pre-checks before a phone is reset, each explained in plain words.

- A Google account means Factory Reset Protection: after the reset the phone asks for that
  account, and the next owner is locked out. Blocked until the account is removed.
- A device owner (MDM) means the phone belongs to an organisation that may re-enrol or lock
  it after the reset: blocked or warned, per phone.block_on_mdm.
- Encryption decides the method type: a phone encrypted from first boot (file-based, or
  full-disk forced at first boot since Android 6) is cryptographically erased by a factory
  reset (Purge). Otherwise the reset only removes the file system's view of the data (Clear).
- Verified boot and bootloader lock are recorded on the unit, because buyers check them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from station.config import Config
from station.devices.phone.adb import AdbClient
from station.devices.phone.identity import PhoneIdentity
from station.errors import DeviceError, UserFacingError
from station.i18n import N_, _, composed, shown

_ACCOUNT = re.compile(r"Account \{name=(.*?), type=(.*?)\}")
_ADMIN = re.compile(r"admin=ComponentInfo\{([^}]*)\}")
FRP_ACCOUNT_TYPES = {"com.google": "Google"}  # data: Android's account types, and the maker's name
LOCKING_ACCOUNT_TYPES = {"com.osp.app.signin": N_("Samsung (Reactivation Lock)"),
                         "com.xiaomi": N_("Xiaomi (Find device)")}

# What a check says stays English where it is made: the unit's hold, the phone.prechecked event and the job's
# files keep it. The Wipe panel and `station phones` show it through i18n.shown(), in the interface language.
composed(*LOCKING_ACCOUNT_TYPES.values())
(GOOGLE_SIGNED_IN, FRP_ON, FRP_REMOVE, NO_GOOGLE, FRP_OFF, VENDOR_SIGNED_IN, VENDOR_LOCK, VENDOR_REMOVE, MANAGED,
 MANAGED_DETAIL, MANAGED_ACTION, NO_OWNER, NO_OWNER_DETAIL, WORK_PROFILE, WORK_PROFILE_DETAIL, FILE_BASED,
 FILE_BASED_DETAIL, FORCED, FORCED_DETAIL, LATER, LATER_DETAIL, PLAIN, PLAIN_DETAIL, BOOT_OK, BOOT_OK_DETAIL,
 BOOT_UNLOCKED, BOOT_UNKNOWN, BOOT_DETAIL, ROOTED, NOT_ROOTED, BUILD, BUILD_UNKNOWN, BATTERY, BATTERY_DETAIL,
 BATTERY_ACTION) = composed(
    N_("Google account signed in ({accounts})"),
    N_("Factory Reset Protection would lock the next owner out: after the reset the phone asks for this "
       "account's password."),
    N_("On the phone open Settings > Passwords & accounts (or Accounts), tap the Google account, choose "
       "Remove account, then check the phone again."),
    N_("No Google account"),
    N_("Factory Reset Protection is off."),
    N_("{maker} account signed in ({account})"),
    N_("The maker's anti-theft lock would ask the next owner for this account after the reset."),
    N_("Remove the account in Settings > Accounts, then check the phone again."),
    N_("Managed by an organisation ({owner})"),
    N_("A device-management app owns this phone; it may re-enrol or lock the phone after the reset."),
    N_("Ask the owner to release the phone from their device management (MDM) before erasing it."),
    N_("No device owner"),
    N_("No organisation manages this phone."),
    N_("Work profile ({owner})"),
    N_("A work profile is present; the reset removes it, but its organisation may still list the phone."),
    N_("Encrypted (file-based, from first boot)"),
    N_("The factory reset destroys the storage keys: a cryptographic erase (Purge)."),
    N_("Encrypted (full-disk, forced at first boot)"),
    N_("Android 6 and later encrypt at first boot; the reset destroys the key (Purge)."),
    N_("Encrypted (full-disk, switched on later)"),
    N_("Before Android 6 encryption could be switched on after data was written, so old plain copies may "
       "remain in the flash: the reset counts as Clear."),
    N_("Not encrypted"),
    N_("A factory reset removes the data from the file system but it is not cryptographically erased: Clear."),
    N_("Bootloader locked, verified boot green"),
    N_("The phone runs its maker's signed software."),
    N_("Flagged: verified boot {state}, bootloader unlocked"),
    N_("Flagged: verified boot {state}, bootloader lock unknown"),
    N_("Buyers check this; it is recorded on the unit and may lower its grade."),
    N_("Root shell available"),
    N_("Not rooted"),
    N_("Build type {build}."),
    N_("Build type unknown."),
    N_("Battery at {level}%"),
    N_("Recovery may refuse to wipe, or the phone may die mid-reset."),
    N_("Charge it first: at least {minimum}%."))


Outcome = Literal["pass", "info", "warn", "block"]


# data-protection: an iPhone's, whose storage key the erase discards.
Encryption = Literal["file-based", "full-disk", "none", "data-protection"]


@dataclass
class Check:
    key: str
    outcome: Outcome
    title: str  # one line, shown in lists
    detail: str  # what it means, in plain words
    action: str = ""  # what the technician does about it
    facts: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        """Title, detail and action in one line, in English, as a hold or a job records them."""
        return f"{self.title}: {self.detail} {self.action}".strip()

    def shown_line(self) -> str:
        """The same line in the interface language."""
        return f"{shown(self.title)}: {shown(self.detail)} {shown(self.action)}".strip()


@dataclass
class Prechecks:
    checks: list[Check]
    method_type: str  # Purge | Clear: what a factory reset of this phone amounts to
    encryption: Encryption
    rooted: bool

    @property
    def blocking(self) -> list[Check]:
        return [c for c in self.checks if c.outcome == "block"]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.outcome == "warn"]

    def reason(self) -> str:
        """Why the erase is refused, in English as the unit's hold keeps it: every blocking check, with what
        to do."""
        return " ".join(c.line() for c in self.blocking)

    def shown_reason(self) -> str:
        """The same, in the interface language."""
        return " ".join(c.shown_line() for c in self.blocking)

    def to_dict(self) -> dict[str, Any]:
        return {"method_type": self.method_type, "encryption": self.encryption, "rooted": self.rooted,
                "checks": [asdict(c) for c in self.checks]}

    def flags(self) -> dict[str, Any]:
        return {c.key: c.facts for c in self.checks if c.key in ("verified_boot", "encryption", "root")}


class PhoneBlocked(UserFacingError):
    """A pre-check refused the erase (of an Android phone or an iPhone); the reason is on the unit too."""

    def __init__(self, name: str, serial: str, uid: str, checks: Prechecks) -> None:
        super().__init__(_("{name} ({serial}, unit {uid}) cannot be erased yet. {reason}").format(
            name=name, serial=serial, uid=uid, reason=checks.shown_reason()))
        self.uid, self.checks = uid, checks


def mask(name: str) -> str:
    """'jane.doe@gmail.com' -> 'j***@gmail.com': enough to find the account, not to store it."""
    local, at, domain = name.partition("@")
    return f"{local[:1]}***{at}{domain}" if local else "***"


def parse_accounts(text: str) -> list[tuple[str, str]]:
    return [(n.strip(), t.strip()) for n, t in _ACCOUNT.findall(text)]


def parse_device_policy(text: str) -> tuple[str | None, list[str]]:
    """(device owner component, profile owner components) from `dumpsys device_policy`."""
    device_owner: str | None = None
    profile_owners: list[str] = []
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("Device Owner"):
            section = "device"
        elif stripped.startswith("Profile Owner"):
            section = "profile"
        elif not stripped or (not line.startswith("    ") and stripped.endswith(":")):
            section = ""
        found = _ADMIN.search(stripped)
        if found and section == "device" and device_owner is None:
            device_owner = found.group(1)
        elif found and section == "profile":
            profile_owners.append(found.group(1))
    return device_owner, profile_owners


def _account_checks(accounts: list[tuple[str, str]]) -> list[Check]:
    frp = [(n, t) for n, t in accounts if t in FRP_ACCOUNT_TYPES]
    locks = [(n, t) for n, t in accounts if t in LOCKING_ACCOUNT_TYPES]
    checks = []
    if frp:
        names = ", ".join(mask(n) for n, _ in frp)
        checks.append(Check(
            "google_account", "block", GOOGLE_SIGNED_IN.format(accounts=names), FRP_ON, FRP_REMOVE,
            {"accounts": [mask(n) for n, _ in frp]}))
    else:
        checks.append(Check("google_account", "pass", NO_GOOGLE, FRP_OFF))
    for name, kind in locks:
        checks.append(Check(
            "vendor_account", "block", VENDOR_SIGNED_IN.format(maker=LOCKING_ACCOUNT_TYPES[kind], account=mask(name)),
            VENDOR_LOCK, VENDOR_REMOVE, {"type": kind}))
    return checks


def _owner_checks(device_owner: str | None, profile_owners: list[str], block_on_mdm: bool) -> list[Check]:
    checks = []
    if device_owner:
        checks.append(Check(
            "device_owner", "block" if block_on_mdm else "warn", MANAGED.format(owner=device_owner),
            MANAGED_DETAIL, MANAGED_ACTION, {"device_owner": device_owner}))
    else:
        checks.append(Check("device_owner", "pass", NO_OWNER, NO_OWNER_DETAIL))
    for owner in profile_owners:
        checks.append(Check("profile_owner", "warn", WORK_PROFILE.format(owner=owner), WORK_PROFILE_DETAIL, "",
                            {"profile_owner": owner}))
    return checks


def encryption_check(props: dict[str, str], sdk: int | None) -> tuple[Check, Encryption, str]:
    state, kind = props.get("ro.crypto.state", ""), props.get("ro.crypto.type", "")
    facts = {"ro.crypto.state": state, "ro.crypto.type": kind}
    if state == "encrypted" and kind == "file":
        return Check("encryption", "pass", FILE_BASED, FILE_BASED_DETAIL, "", facts), "file-based", "Purge"
    if state == "encrypted" and (sdk or 0) >= 23:
        return Check("encryption", "pass", FORCED, FORCED_DETAIL, "", facts), "full-disk", "Purge"
    if state == "encrypted":
        return Check("encryption", "info", LATER, LATER_DETAIL, "", facts), "full-disk", "Clear"
    return Check("encryption", "info", PLAIN, PLAIN_DETAIL, "", facts), "none", "Clear"


def boot_check(props: dict[str, str]) -> Check:
    state = props.get("ro.boot.verifiedbootstate", "")
    locked = props.get("ro.boot.flash.locked", "") or {"locked": "1", "unlocked": "0"}.get(
        props.get("ro.boot.vbmeta.device_state", ""), "")
    facts = {"verified_boot": state or "unknown", "bootloader_locked": {"1": True, "0": False}.get(locked)}
    if state == "green" and locked == "1":
        return Check("verified_boot", "pass", BOOT_OK, BOOT_OK_DETAIL, "", facts)
    title = (BOOT_UNLOCKED if locked == "0" else BOOT_UNKNOWN).format(state=state or "unknown")
    return Check("verified_boot", "warn", title, BOOT_DETAIL, "", facts)


def run_prechecks(client: AdbClient, serial: str, props: dict[str, str], identity: PhoneIdentity,
                  config: Config) -> Prechecks:
    # data: the commands the phone runs
    accounts = parse_accounts(client.shell(serial, "dumpsys account").output)
    # data: the commands the phone runs
    owner, profiles = parse_device_policy(client.shell(serial, "dumpsys device_policy").output)
    checks = _account_checks(accounts) + _owner_checks(owner, profiles, config.get_bool("phone.block_on_mdm"))
    enc, encryption, method_type = encryption_check(props, identity.sdk)
    checks += [enc, boot_check(props)]
    try:
        su = client.shell(serial, "su 0 id", timeout=min(client.timeout, 5.0))  # data: a command the phone runs
        rooted = su.exit_code == 0 and "uid=0(" in su.output
    except DeviceError:  # su waiting for a grant on the phone's screen: treat as not usable
        rooted = False
    build = props.get("ro.build.type", "")
    checks.append(Check("root", "info" if rooted else "pass", ROOTED if rooted else NOT_ROOTED,
                        BUILD.format(build=build) if build else BUILD_UNKNOWN, "",
                        {"rooted": rooted, "build_type": build}))
    level, minimum = identity.battery_level, config.get_int("phone.min_battery_percent")
    if level is not None and level < minimum:
        checks.append(Check("battery", "warn", BATTERY.format(level=level), BATTERY_DETAIL,
                            BATTERY_ACTION.format(minimum=minimum), {"level": level}))
    return Prechecks(checks, method_type, encryption, rooted)

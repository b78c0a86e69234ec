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
from station.i18n import _

_ACCOUNT = re.compile(r"Account \{name=(.*?), type=(.*?)\}")
_ADMIN = re.compile(r"admin=ComponentInfo\{([^}]*)\}")
FRP_ACCOUNT_TYPES = {"com.google": "Google"}
LOCKING_ACCOUNT_TYPES = {"com.osp.app.signin": "Samsung (Reactivation Lock)", "com.xiaomi": "Xiaomi (Find device)"}


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
        """The sentence shown when the erase is refused: every blocking check, with what to do."""
        return " ".join(f"{c.title}: {c.detail} {c.action}".strip() for c in self.blocking)

    def to_dict(self) -> dict[str, Any]:
        return {"method_type": self.method_type, "encryption": self.encryption, "rooted": self.rooted,
                "checks": [asdict(c) for c in self.checks]}

    def flags(self) -> dict[str, Any]:
        return {c.key: c.facts for c in self.checks if c.key in ("verified_boot", "encryption", "root")}


class PhoneBlocked(UserFacingError):
    """A pre-check refused the erase (of an Android phone or an iPhone); the reason is on the unit too."""

    def __init__(self, name: str, serial: str, uid: str, checks: Prechecks) -> None:
        super().__init__(_("{name} ({serial}, unit {uid}) cannot be erased yet. {reason}").format(
            name=name, serial=serial, uid=uid, reason=checks.reason()))
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
            "google_account", "block", f"Google account signed in ({names})",
            "Factory Reset Protection would lock the next owner out: after the reset the phone asks for this "
            "account's password.",
            "On the phone open Settings > Passwords & accounts (or Accounts), tap the Google account, choose "
            "Remove account, then check the phone again.", {"accounts": [mask(n) for n, _ in frp]}))
    else:
        checks.append(Check("google_account", "pass", "No Google account", "Factory Reset Protection is off."))
    for name, kind in locks:
        checks.append(Check(
            "vendor_account", "block", f"{LOCKING_ACCOUNT_TYPES[kind]} account signed in ({mask(name)})",
            "The maker's anti-theft lock would ask the next owner for this account after the reset.",
            "Remove the account in Settings > Accounts, then check the phone again.", {"type": kind}))
    return checks


def _owner_checks(device_owner: str | None, profile_owners: list[str], block_on_mdm: bool) -> list[Check]:
    checks = []
    if device_owner:
        checks.append(Check(
            "device_owner", "block" if block_on_mdm else "warn", f"Managed by an organisation ({device_owner})",
            "A device-management app owns this phone; it may re-enrol or lock the phone after the reset.",
            "Ask the owner to release the phone from their device management (MDM) before erasing it.",
            {"device_owner": device_owner}))
    else:
        checks.append(Check("device_owner", "pass", "No device owner", "No organisation manages this phone."))
    for owner in profile_owners:
        checks.append(Check("profile_owner", "warn", f"Work profile ({owner})",
                            "A work profile is present; the reset removes it, but its organisation may still "
                            "list the phone.", "", {"profile_owner": owner}))
    return checks


def encryption_check(props: dict[str, str], sdk: int | None) -> tuple[Check, Encryption, str]:
    state, kind = props.get("ro.crypto.state", ""), props.get("ro.crypto.type", "")
    facts = {"ro.crypto.state": state, "ro.crypto.type": kind}
    if state == "encrypted" and kind == "file":
        return Check("encryption", "pass", "Encrypted (file-based, from first boot)",
                     "The factory reset destroys the storage keys: a cryptographic erase (Purge).", "", facts), \
            "file-based", "Purge"
    if state == "encrypted" and (sdk or 0) >= 23:
        return Check("encryption", "pass", "Encrypted (full-disk, forced at first boot)",
                     "Android 6 and later encrypt at first boot; the reset destroys the key (Purge).", "", facts), \
            "full-disk", "Purge"
    if state == "encrypted":
        return Check("encryption", "info", "Encrypted (full-disk, switched on later)",
                     "Before Android 6 encryption could be switched on after data was written, so old plain copies "
                     "may remain in the flash: the reset counts as Clear.", "", facts), "full-disk", "Clear"
    return Check("encryption", "info", "Not encrypted",
                 "A factory reset removes the data from the file system but it is not cryptographically erased: "
                 "Clear.", "", facts), "none", "Clear"


def boot_check(props: dict[str, str]) -> Check:
    state = props.get("ro.boot.verifiedbootstate", "")
    locked = props.get("ro.boot.flash.locked", "") or {"locked": "1", "unlocked": "0"}.get(
        props.get("ro.boot.vbmeta.device_state", ""), "")
    facts = {"verified_boot": state or "unknown", "bootloader_locked": {"1": True, "0": False}.get(locked)}
    if state == "green" and locked == "1":
        return Check("verified_boot", "pass", "Bootloader locked, verified boot green",
                     "The phone runs its maker's signed software.", "", facts)
    words = f"verified boot {state or 'unknown'}, bootloader {'unlocked' if locked == '0' else 'lock unknown'}"
    return Check("verified_boot", "warn", f"Flagged: {words}",
                 "Buyers check this; it is recorded on the unit and may lower its grade.", "", facts)


def run_prechecks(client: AdbClient, serial: str, props: dict[str, str], identity: PhoneIdentity,
                  config: Config) -> Prechecks:
    accounts = parse_accounts(client.shell(serial, "dumpsys account").output)
    owner, profiles = parse_device_policy(client.shell(serial, "dumpsys device_policy").output)
    checks = _account_checks(accounts) + _owner_checks(owner, profiles, config.get_bool("phone.block_on_mdm"))
    enc, encryption, method_type = encryption_check(props, identity.sdk)
    checks += [enc, boot_check(props)]
    try:
        su = client.shell(serial, "su 0 id", timeout=min(client.timeout, 5.0))
        rooted = su.exit_code == 0 and "uid=0(" in su.output
    except DeviceError:  # su waiting for a grant on the phone's screen: treat as not usable
        rooted = False
    build = props.get("ro.build.type", "")
    checks.append(Check("root", "info" if rooted else "pass", "Root shell available" if rooted else "Not rooted",
                        f"Build type {build or 'unknown'}.", "", {"rooted": rooted, "build_type": build}))
    level, minimum = identity.battery_level, config.get_int("phone.min_battery_percent")
    if level is not None and level < minimum:
        checks.append(Check("battery", "warn", f"Battery at {level}%",
                            "Recovery may refuse to wipe, or the phone may die mid-reset.",
                            f"Charge it to at least {minimum}% first.", {"level": level}))
    return Prechecks(checks, method_type, encryption, rooted)

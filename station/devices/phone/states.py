"""What each adb connection state means for the technician, and how `adb devices -l` lists phones."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from station.i18n import N_, _

ABSENT = "absent"  # not listed at all

INSTRUCTIONS: dict[str, str] = {
    "device": N_("Connected and authorised: ready for checks and erase."),
    "unauthorized": N_(
        "Accept the USB debugging prompt on the phone: unlock it, tick 'Always allow from this computer' "
        "and tap Allow. If no prompt shows, unplug and re-plug the cable."
    ),
    "authorizing": N_("The phone is checking this computer's key: wait a moment, or accept the prompt on the phone."),
    "connecting": N_("Connecting to the phone: wait a moment."),
    "offline": N_(
        "The phone is connected but not answering. Unplug and re-plug the cable; if it stays offline, "
        "restart the phone."
    ),
    "recovery": N_(
        "The phone is in recovery mode. Use the volume keys to pick 'Wipe data/factory reset' and the power "
        "key to confirm, or pick 'Reboot system now' to return to Android."
    ),
    "sideload": N_(
        "The phone is waiting for an ADB sideload, which the station does not use. Choose 'Cancel' (or press "
        "power) on the phone to get back to the recovery menu."
    ),
    "bootloader": N_("The phone is in the bootloader (fastboot). Choose 'Start' with the volume and power keys."),
    "rescue": N_("The phone is in rescue mode. Restart it with a long press on the power key."),
    "no permissions": N_(
        "Linux does not let the station open this phone. Install the Android udev rules (Debian package "
        "android-sdk-platform-tools-common, part of installer/system-packages.sh) and re-plug the phone."
    ),
    ABSENT: N_("No phone with this serial is connected. Plug it in (data cable, not charge-only) and unlock it."),
}


# adb's states in the technician's words where adb's own word would puzzle; the others are shown as adb says them.
_WORDS = {ABSENT: N_("not connected"), "unauthorized": N_("USB debugging not allowed yet")}


def words(state: str) -> str:
    """`state` as the screen names it, in the interface language."""
    return _(_WORDS[state]) if state in _WORDS else state


def instruction(state: str) -> str:
    """What the technician does about `state`, in the interface language."""
    if state in INSTRUCTIONS:
        return _(INSTRUCTIONS[state])
    return _("The phone reports the state '{state}'. Unplug and re-plug it.").format(state=state)


@dataclass(frozen=True)
class ListedPhone:
    """One line of `adb devices -l`."""

    serial: str
    state: str
    attrs: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_tcp(self) -> bool:
        """Reached over TCP (`adb connect host:port`): the adb server does not notice it come back by itself."""
        host, _, port = self.serial.rpartition(":")
        return bool(host) and port.isdigit()

    @property
    def model(self) -> str:
        """adb turns every non-alphanumeric character of the model into '_': 'Moto G (3rd gen)' -> 'Moto G 3rd gen'."""
        return " ".join(self.attrs.get("model", "").replace("_", " ").split())


_ATTR = re.compile(r"\s([a-z_]+):(\S+)")


def parse_devices(text: str) -> list[ListedPhone]:
    """Parse `adb devices -l`; lines that are not device lines (daemon messages, header) are skipped."""
    phones = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(("List of devices", "*", "adb server", "error:")):
            continue
        serial, _, rest = line.partition(" ")
        if not rest:
            serial, _, rest = line.partition("\t")
        rest = rest.strip()
        if not serial or not rest:
            continue
        state = "no permissions" if rest.startswith("no permissions") else rest.split()[0]  # data: adb's word
        attrs = dict(_ATTR.findall(" " + rest))
        phones.append(ListedPhone(serial.strip(), state, attrs))
    return phones

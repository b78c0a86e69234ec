"""Who the phone is: make, model, serial, Android build, IMEI (checked), battery."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

from stdnum import imei as stdnum_imei

from station.devices.phone.adb import AdbClient
from station.errors import DeviceError
from station.i18n import _
from station.value import capacity

_PARCEL_WORDS = re.compile(r"(?:0x[0-9a-fA-F]+:|Parcel\()\s*((?:[0-9a-fA-F]{8}\s)+)")
_DEVICE_ID = re.compile(r"Device ID\s*=\s*([0-9A-Fa-f]{14,16})")
_BATTERY = re.compile(r"^\s*(level|health|scale):\s*(\d+)\s*$", re.M)
HEALTH = {1: "unknown", 2: "good", 3: "overheat", 4: "dead", 5: "over voltage", 6: "failure", 7: "cold"}


@dataclass
class PhoneIdentity:
    adb_serial: str  # how adb names it (the USB serial, or host:port)
    serial: str  # ro.serialno: the hardware serial printed on the box and certificate
    manufacturer: str
    brand: str
    model: str
    device: str
    android_version: str
    sdk: int | None
    security_patch: str
    fingerprint: str
    build_type: str
    imei: str | None = None  # only a valid IMEI (Luhn checked by python-stdnum)
    imei_note: str = ""  # why there is none, or what was read that is not an IMEI
    battery_level: int | None = None
    battery_health: str | None = None
    device_class: Literal["phone", "tablet"] = "phone"  # grading classes
    card_serial: str = ""  # the microSD card in its slot (its CID serial), if it has one
    storage_bytes: int | None = None  # the data partition (`df /data`): below the marketed capacity

    @property
    def capacity(self) -> str | None:
        """The marketed capacity ('128 GB'), from the data partition's size."""
        return capacity.phone(self.storage_bytes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def label(self) -> str:
        return f"{self.manufacturer} {self.model}".strip() or self.adb_serial


def parse_parcel_string(text: str) -> str | None:
    """The String16 in a `service call` reply, or None for an exception or a null string.

    A reply dumps 32-bit words: the status (0 = no exception), the string length in UTF-16
    units, then the characters, two per word, the first in the low half.
    """
    words = [int(w, 16) for chunk in _PARCEL_WORDS.findall(text) for w in chunk.split()]
    if len(words) < 2 or words[0] != 0 or words[1] in (0, 0xFFFFFFFF):
        return None
    units: list[int] = []
    for word in words[2:]:
        units += [word & 0xFFFF, word >> 16]
    if len(units) < words[1]:
        return None
    try:
        return "".join(chr(u) for u in units[: words[1]])
    except ValueError:
        return None


def read_imei(client: AdbClient, serial: str) -> tuple[str | None, str]:
    """(IMEI, note). Recent Android needs the calling package; old Android answers without it."""
    raw: str | None = None
    for command in ("service call iphonesubinfo 1 s16 com.android.shell", "service call iphonesubinfo 1"):
        result = client.shell(serial, command)
        raw = parse_parcel_string(result.output) if result.exit_code == 0 else None
        if raw:
            break
    if not raw:
        found = _DEVICE_ID.search(client.shell(serial, "dumpsys iphonesubinfo").output)
        raw = found.group(1) if found else None
    if not raw:
        return None, "IMEI not readable over adb (no telephony, or the phone refuses to tell)."
    raw = raw.strip()
    if stdnum_imei.is_valid(raw):
        return stdnum_imei.compact(raw)[:15], ""
    return None, f"The phone reported {raw!r}, which is not a valid IMEI; scan the IMEI from the label instead."


CARD_SERIAL = "/sys/block/mmcblk1/device/serial"  # the removable card's slot; mmcblk0 is the phone's own eMMC
_SERIAL_TEXT = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{3,63}")


def read_card_serial(client: AdbClient, serial: str) -> str:
    """The serial of the microSD card in the phone, or "" without one. A phone's reset leaves that card as it
    was, so the card is wiped as a medium of its own. Without shell_v2 an error reads as output: only a
    serial-shaped single word counts."""
    out = client.shell(serial, f"cat {CARD_SERIAL}").output.strip()
    return out if _SERIAL_TEXT.fullmatch(out) else ""


def parse_battery(text: str) -> tuple[int | None, str | None]:
    values = {k: int(v) for k, v in _BATTERY.findall(text)}
    level = values.get("level")
    if level is not None and values.get("scale", 100) not in (0, 100):
        level = round(100 * level / values["scale"])
    health = values.get("health")
    return level, (HEALTH.get(health, f"code {health}") if health is not None else None)


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]?)$")
_UNIT = {"": 1024, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def parse_df(text: str) -> int | None:
    """Bytes of /data from `df -k /data`: toybox prints 1K blocks in the second column, old toolbox
    prints "/data 12.1G 3.2G 8.9G 4096" (sizes with a binary unit)."""
    for line in text.splitlines():
        cols = line.split()
        if len(cols) < 2 or "/data" not in (cols[0], cols[-1]):
            continue
        m = _SIZE.match(cols[1])
        if m:
            return int(float(m.group(1)) * _UNIT[m.group(2)])
    return None




def read_identity(client: AdbClient, adb_serial: str, props: dict[str, str] | None = None) -> PhoneIdentity:
    props = props if props is not None else client.getprop(adb_serial)
    serial = props.get("ro.serialno") or props.get("ro.boot.serialno") or ""
    if not serial:
        if not adb_serial or ":" in adb_serial:
            raise DeviceError(_("Phone {adb_serial} does not tell its serial number (ro.serialno). Scan the "
                                "serial from its label at intake and try again.").format(adb_serial=adb_serial))
        serial = adb_serial  # over USB, adb's serial is the phone's
    sdk_text = props.get("ro.build.version.sdk", "")
    imei, note = read_imei(client, adb_serial)
    # one round trip for both: the battery's lines and df's /data line cannot be taken for each other
    both = client.shell(adb_serial, "dumpsys battery; df -k /data").output
    level, health = parse_battery(both)
    storage = parse_df(both)
    return PhoneIdentity(
        adb_serial=adb_serial, serial=serial,
        manufacturer=props.get("ro.product.manufacturer", ""), brand=props.get("ro.product.brand", ""),
        model=props.get("ro.product.model", ""), device=props.get("ro.product.device", ""),
        android_version=props.get("ro.build.version.release", ""),
        sdk=int(sdk_text) if sdk_text.isdigit() else None,
        security_patch=props.get("ro.build.version.security_patch", ""),
        fingerprint=props.get("ro.build.fingerprint", ""), build_type=props.get("ro.build.type", ""),
        imei=imei, imei_note=note, battery_level=level, battery_health=health,
        device_class="tablet" if "tablet" in props.get("ro.build.characteristics", "") else "phone",
        card_serial=read_card_serial(client, adb_serial),
        storage_bytes=storage,
    )

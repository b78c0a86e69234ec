"""The DeviceManager driver for iPhones and iPads: kind "phone", beside the adb driver.

Every device usbmuxd lists is a DeviceInfo in any state (passcode, untrusted, ready...) with
the instruction for that state, so the Wipe panel and the status bar show an iPhone the
moment it is plugged in. Its id is the UDID, its path `ios:UDID` (what `station wipe` takes).
A station without usbmuxd lists no iPhones; that is not an error.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from station.config import Config
from station.devices.base import DeviceInfo
from station.devices.phone.ios import ListedIPhone, list_iphones, read_iphone

log = logging.getLogger(__name__)

PLATFORM = "ios"
DEFAULT_SOCKET = Path("/var/run/usbmuxd")


def usbmuxd_present() -> bool:
    """Whether there is a usbmuxd to ask, without importing the client library (seconds at startup)."""
    address = os.environ.get("USBMUXD_SOCKET_ADDRESS", "")
    if ":" in address:
        return True  # HOST:PORT (as the client reads it): only connecting tells
    return Path(address or DEFAULT_SOCKET).exists()


def device_info(listed: ListedIPhone) -> DeviceInfo:
    ident = listed.identity
    model = ident.marketing_name if ident else "iPhone"
    details = {"platform": PLATFORM, "state": listed.state, "instruction": listed.instruction, "model": model,
               "transport": listed.connection.lower()}
    if ident is not None:
        details.update(serial=ident.serial, imei=ident.imeis[0] if ident.imeis else "", ios=ident.ios_version,
                       size=f"{ident.capacity_bytes // 1_000_000_000} GB" if ident.capacity_bytes else "")
    return DeviceInfo(kind="phone", id=listed.udid, label=f"{model} ({listed.udid})", path=f"ios:{listed.udid}",
                      details=details)


class IPhoneSession:
    """One iPhone as found by the last scan; usable while it is trusted and answers."""

    def __init__(self, info: DeviceInfo, pair_dir: Path) -> None:
        self.info, self.pair_dir = info, pair_dir

    def is_usable(self) -> bool:
        listed = read_iphone(self.info.id, self.pair_dir)
        return listed is not None and listed.state == "ready"

    def close(self) -> None:
        """Nothing is held open: every look is its own usbmuxd connection."""


class IPhoneDriver:
    kind = "phone"

    def __init__(self, pair_dir: Path) -> None:
        self.pair_dir = pair_dir

    def enumerate(self) -> list[DeviceInfo]:
        if not usbmuxd_present():
            return []
        return [device_info(listed) for listed in list_iphones(self.pair_dir, services=False)]

    def open(self, info: DeviceInfo) -> IPhoneSession:
        return IPhoneSession(info, self.pair_dir)


def real_factory(_config: Config, data_dir: Path) -> IPhoneDriver | None:
    try:
        import pymobiledevice3  # noqa: F401
    except ImportError:
        log.warning("pymobiledevice3 is not installed: iPhones are off")
        return None
    return IPhoneDriver(data_dir / "pairing")

"""The DeviceManager driver of kind "phone": what `adb devices -l` lists, and USB hot-plug hints.

Phones are listed in every state (unauthorized, offline, recovery...) with the instruction
for that state, so the wipe panel can show a phone the moment it is plugged in and tell
the technician what to do next. A session is usable while the phone is in Android and
authorised. `monitor()` gives the kernel's USB events: only a hint to rescan, since the
adb server needs a moment to see a new phone and `remove` events carry no identity.
"""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

from station.config import Config
from station.devices.base import DeviceInfo
from station.devices.phone.adb import AdbClient
from station.devices.phone.states import ABSENT, ListedPhone, instruction
from station.devices.uevents import KernelMonitor, open_monitor
from station.errors import DeviceError

log = logging.getLogger(__name__)

def device_info(phone: ListedPhone, *, simulated: bool = False) -> DeviceInfo:
    model = phone.model or "Android phone"
    return DeviceInfo(
        kind="phone", id=phone.serial, label=f"{model} ({phone.serial})", path=f"adb:{phone.serial}",
        simulated=simulated,
        details={"state": phone.state, "instruction": instruction(phone.state), "model": model,
                 "transport": "tcp" if phone.is_tcp else "usb", **{k: v for k, v in phone.attrs.items()
                                                                   if k in ("usb", "transport_id", "product")}},
    )


class PhoneSession:
    """One phone as found by the last scan; usable while it is in Android and authorised."""

    def __init__(self, info: DeviceInfo, client: AdbClient) -> None:
        self.info = info
        self.client = client

    @property
    def serial(self) -> str:
        return self.info.id

    def state(self) -> str:
        try:
            return self.client.state(self.serial)
        except DeviceError:
            return ABSENT

    def is_usable(self) -> bool:
        return self.state() == "device"

    def close(self) -> None:
        """Nothing is held open: every adb call is its own connection to the server."""


class PhoneDriver:
    kind = "phone"

    def __init__(self, client: AdbClient, *, simulated: bool = False, ready: threading.Event | None = None) -> None:
        self.client = client
        self.simulated = simulated
        self.ready = ready  # set once the adb server is up (demo mode starts it in the background)

    def enumerate(self) -> list[DeviceInfo]:
        if self.ready is not None and not self.ready.is_set():
            return []  # a second client starting the same server at once makes both fail
        return [device_info(p, simulated=self.simulated) for p in self.client.devices()]

    def open(self, info: DeviceInfo) -> PhoneSession:
        return PhoneSession(info, self.client)

    def monitor(self) -> KernelMonitor | None:
        return None if self.simulated else open_monitor("usb", ("usb_device",), "phones")  # devices, not interfaces


def client_from_config(config: Config, *, demo: bool = False) -> AdbClient:
    """The adb server this station uses: the configured one, or demo mode's private one."""
    port = config["phone.demo_server_port"] if demo else config["phone.adb_server_port"]
    return AdbClient(config["phone.adb_path"], port, timeout=config["phone.command_timeout_s"])


def real_factory(config: Config, _data_dir: Path) -> PhoneDriver | None:
    if shutil.which(config["phone.adb_path"]) is None:
        log.warning("adb client %r not found: phones are off (install the Debian package 'adb')",
                    config["phone.adb_path"])
        return None
    return PhoneDriver(client_from_config(config))

"""The DeviceManager driver of kind "phone": what `adb devices -l` lists, and USB hot-plug hints.

Phones are listed in every state (unauthorized, offline, recovery...) with the instruction
for that state, so the wipe panel can show a phone the moment it is plugged in and tell
the technician what to do next. A session is usable while the phone is in Android and
authorised. `monitor()` gives the kernel's USB events: only a hint to rescan, since the
adb server needs a moment to see a new phone and `remove` events carry no identity.
"""

from __future__ import annotations

import logging
import select
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from station.config import Config
from station.devices.base import DeviceInfo
from station.devices.phone.adb import AdbClient
from station.devices.phone.states import ABSENT, ListedPhone, instruction
from station.errors import DeviceError

log = logging.getLogger(__name__)

RESCAN_AFTER_S = (1.0, 3.0)  # the adb server lists a new USB phone about a second after the kernel does


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

    def monitor(self) -> UsbMonitor | None:
        return None if self.simulated else open_usb_monitor()


UsbAction = Literal["add", "remove", "bind", "unbind", "change"]


@dataclass(frozen=True)
class UsbEvent:
    action: UsbAction
    sys_path: str
    vendor_product: str  # "18d1:4ee7" where the event says it


class UsbMonitor:
    """Kernel uevents for whole USB devices (not interfaces), read without udevd."""

    def __init__(self, subsystem: str = "usb", device_type: str | None = "usb_device") -> None:
        import pyudev

        self._monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source="kernel")
        self._monitor.filter_by(subsystem)
        self._device_type = device_type
        self._monitor.start()

    def fileno(self) -> int:
        """Readable when events wait: for a QSocketNotifier or select()."""
        return int(self._monitor.fileno())

    def drain(self) -> list[UsbEvent]:
        found: list[UsbEvent] = []
        while True:
            device = self._monitor.poll(timeout=0)
            if device is None:
                return found
            if self._device_type is None or device.device_type == self._device_type:
                product = device.properties.get("PRODUCT", "")  # "18d1/4ee7/440" on USB events
                vid_pid = ":".join(part.zfill(4) for part in product.split("/")[:2]) if product else ""
                found.append(UsbEvent(device.action or "change", device.sys_path, vid_pid))

    def wait(self, timeout: float) -> list[UsbEvent]:
        ready, _, _ = select.select([self.fileno()], [], [], timeout)
        return self.drain() if ready else []

    def close(self) -> None:
        try:
            self._monitor.stop()
        except Exception:  # already stopped
            log.debug("usb monitor stop", exc_info=True)


def open_usb_monitor() -> UsbMonitor | None:
    try:
        return UsbMonitor()
    except Exception as exc:
        log.warning("no USB hot-plug events (%s); phones are rescanned on demand", exc)
        return None


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

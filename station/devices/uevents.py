"""Devices arriving and leaving, from the kernel's own uevents: drives (block) and phones (usb).

The kernel netlink monitor works with or without udevd (containers, live systems);
udev-sourced monitors get nothing when udevd is absent. A monitor starts listening when it
is made, before anyone enumerates, so no device can slip in between the two. Events are
only a hint to rescan: `remove` events carry no ID_* properties (pyudev #482), a loop
device attaching or detaching shows as `change`, and the adb server lists a new phone a
moment after the kernel does; so consumers rescan and compare rather than trust an event.
"""

from __future__ import annotations

import logging
import select
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

Action = Literal["add", "remove", "change", "bind", "unbind"]


@dataclass(frozen=True)
class UEvent:
    action: Action
    sys_path: str
    name: str


class KernelMonitor:
    """One subsystem's uevents; with `devtypes`, only devices whose DEVTYPE is one of them
    (None: the event names none), so whole disks and whole USB devices, not their parts."""

    def __init__(self, subsystem: str, devtypes: Collection[str | None] | None = None) -> None:
        import pyudev

        self._monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source="kernel")
        self._monitor.filter_by(subsystem)
        self._devtypes = devtypes
        self._monitor.start()

    def fileno(self) -> int:
        """Readable when events wait: for a QSocketNotifier or select()."""
        return int(self._monitor.fileno())

    def drain(self) -> list[UEvent]:
        """Every event already queued, without waiting."""
        found: list[UEvent] = []
        while (device := self._monitor.poll(timeout=0)) is not None:
            if self._devtypes is None or device.properties.get("DEVTYPE") in self._devtypes:
                found.append(UEvent(device.action or "change", device.sys_path, device.sys_name))
        return found

    def wait(self, timeout: float) -> list[UEvent]:
        """Block up to `timeout` seconds for events (for the CLI and tests)."""
        ready, _, _ = select.select([self.fileno()], [], [], timeout)
        return self.drain() if ready else []

    def close(self) -> None:
        try:
            self._monitor.stop()
        except Exception:  # already stopped
            log.debug("monitor stop", exc_info=True)


def open_monitor(subsystem: str, devtypes: Collection[str | None] | None, what: str) -> KernelMonitor | None:
    """A started monitor, or None where netlink is unavailable (then `what` are rescanned on demand)."""
    try:
        return KernelMonitor(subsystem, devtypes)
    except Exception as exc:
        log.warning("no hot-plug events (%s); %s are rescanned on demand", exc, what)
        return None

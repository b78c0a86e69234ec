"""Drives arriving and leaving, from the kernel's own uevents.

The kernel netlink monitor works with or without udevd (containers, live systems);
udev-sourced monitors get nothing when udevd is absent. The monitor is started
before anyone enumerates, so no drive can slip in between the two. Events are only a
hint to rescan: `remove` events carry no ID_* properties (pyudev #482), and a loop
device attaching or detaching shows as `change`, so consumers rescan and compare by
sysfs path rather than trusting the event's contents.
"""

from __future__ import annotations

import logging
import select
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)


BlockAction = Literal["add", "remove", "change"]


@dataclass(frozen=True)
class BlockEvent:
    action: BlockAction
    sys_path: str
    name: str


class BlockMonitor:
    def __init__(self) -> None:
        import pyudev

        self._monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source="kernel")
        self._monitor.filter_by("block")
        self._started = False

    def start(self) -> BlockMonitor:
        """Start listening; call before the first enumeration."""
        if not self._started:
            self._monitor.start()
            self._started = True
        return self

    def fileno(self) -> int:
        """Readable when events wait: for a QSocketNotifier or select()."""
        return int(self._monitor.fileno())

    def drain(self) -> list[BlockEvent]:
        """Every event already queued, without waiting. Only whole disks, not partitions."""
        found: list[BlockEvent] = []
        while True:
            device = self._monitor.poll(timeout=0)
            if device is None:
                return found
            if device.properties.get("DEVTYPE", "disk") == "disk":
                found.append(BlockEvent(device.action or "change", device.sys_path, device.sys_name))

    def wait(self, timeout: float) -> list[BlockEvent]:
        """Block up to `timeout` seconds for events (for the CLI and tests)."""
        ready, _, _ = select.select([self.fileno()], [], [], timeout)
        return self.drain() if ready else []

    def close(self) -> None:
        try:
            self._monitor.stop()
        except Exception:  # already closed or never started
            log.debug("monitor stop", exc_info=True)


def open_monitor() -> BlockMonitor | None:
    """A started monitor, or None where netlink is unavailable (then callers poll)."""
    try:
        return BlockMonitor().start()
    except Exception as exc:
        log.warning("no hot-plug events (%s); drives are rescanned on demand", exc)
        return None

"""The drive driver: every whole disk on the machine, each with the guard's verdict.

A DeviceManager driver of kind "drive" built on station.devices.drive.discover and guard.
Refused drives are listed too, with the reason, so the technician sees why the system
disk or a mounted stick is not offered. `monitor()` gives the kernel hot-plug monitor
that tells the panel when to rescan.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from station.devices.base import DeviceInfo
from station.devices.drive import discover
from station.devices.drive.discover import Drive
from station.devices.uevents import KernelMonitor, open_monitor
from station.errors import DeviceError
from station.i18n import N_, _, shown

log = logging.getLogger(__name__)


READY = N_("ready to wipe")


@dataclass(frozen=True)
class Verdict:
    """May this drive be wiped, and if not, why not (the guard's reasons, in the technician's words)."""

    eligible: bool
    reasons: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """In English, as a refused job records it."""
        return READY if self.eligible else "; ".join(self.reasons)

    @property
    def shown(self) -> str:
        """`text` in the interface language, for the screen."""
        return _(READY) if self.eligible else "; ".join(shown(r) for r in self.reasons)


Judge = Callable[[list[Drive]], list[Verdict]]  # one verdict per drive found by one scan


@dataclass
class DriveEntry:
    drive: Drive
    verdict: Verdict


def size_text(n: int) -> str:
    """Decimal units, as drives are sold: 500 GB, 2 TB, 64 MB."""
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"
    return f"{n} B"


def device_info(entry: DriveEntry) -> DeviceInfo:
    d, f = entry.drive, entry.drive.facts
    return DeviceInfo(
        kind="drive", id=d.identity, label=d.label, path=d.path, simulated=d.simulated,
        details={"port": d.port, "bus": f.bus, "model": f.model, "serial": f.serial or d.identity,
                 "size": size_text(f.size_bytes), "eligible": "yes" if entry.verdict.eligible else "no",
                 "guard": entry.verdict.text, "name": d.name},
    )


class DriveSession:
    """One attached drive, as its driver found it at the latest scan (the guard's verdict
    changes as things get mounted and released); usable while it is still there."""

    def __init__(self, entry: DriveEntry, latest: Callable[[str], DriveEntry | None]) -> None:
        self.entry = entry
        self._latest = latest
        self.info = device_info(entry)

    def _current(self) -> DriveEntry:
        self.entry = self._latest(self.entry.drive.identity) or self.entry
        return self.entry

    @property
    def drive(self) -> Drive:
        return self._current().drive

    @property
    def verdict(self) -> Verdict:
        return self._current().verdict

    def is_usable(self) -> bool:
        return os.path.exists(self.drive.sys_path)

    def close(self) -> None:
        pass


class DriveTable:
    """What every drive driver shares: each scan builds a new table of entries; sessions follow it."""

    kind = "drive"
    missing = N_("{label} is not connected. Plug it in and try again.")

    def __init__(self) -> None:
        self._entries: dict[str, DriveEntry] = {}

    def scan(self) -> list[DriveEntry]:
        raise NotImplementedError

    def entries(self) -> list[DriveEntry]:
        entries = self.scan()
        self._entries = {e.drive.identity: e for e in entries}
        return entries

    def latest(self, identity: str) -> DriveEntry | None:
        """The entry of the latest scan."""
        return self._entries.get(identity)

    def enumerate(self) -> list[DeviceInfo]:
        return [device_info(e) for e in self.entries()]

    def open(self, info: DeviceInfo) -> DriveSession:
        entry = self._entries.get(info.id)
        if entry is None:
            raise DeviceError(_(self.missing).format(label=info.label))
        return DriveSession(entry, self.latest)


class DriveDriver(DriveTable):
    def __init__(self, judge: Judge, include: Callable[[Drive], bool] | None = None) -> None:
        super().__init__()
        self.judge = judge
        self.include = include  # tests narrow the machine's drives to their own loop devices

    def scan(self) -> list[DriveEntry]:
        found = [d for d in discover.list_drives() if self.include is None or self.include(d)]
        return [DriveEntry(d, v) for d, v in zip(found, self.judge(found), strict=True)]

    def monitor(self) -> KernelMonitor | None:
        return open_monitor("block", ("disk", None), "drives")  # whole disks, not partitions

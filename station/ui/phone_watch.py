"""Keeps the phone list current wherever the technician is: a phone plugged in shows in the
status bar at once, not only when the Wipe panel next looks.

Real phones: kernel USB uevents (no udevd needed) trigger a rescan once a plug settles.
Always: a light periodic `adb devices` as well, because a phone that is already plugged
changes state (authorised, rebooted into recovery) without any USB event, and demo phones
come up in the background after the window opened.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

from station.devices.base import DeviceInfo
from station.devices.manager import DeviceManager
from station.ui.ops import Changes, Op

log = logging.getLogger(__name__)

SCAN_EVERY_MS = 5000
SETTLE_MS = 400  # a phone enumerates as several USB events; adb sees it a moment later


class PhoneWatch(QObject):
    def __init__(self, devices: DeviceManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.devices = devices
        self.scans = 0
        self._busy = False
        self._seen: list[tuple[str, str, tuple[tuple[str, str], ...]]] | None = None
        self._monitor: Any = None
        self._notifier: QSocketNotifier | None = None
        drivers = devices.drivers("phone")
        self.periodic = QTimer(self, interval=SCAN_EVERY_MS)
        self.periodic.timeout.connect(self.rescan)
        self.settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self.settle.timeout.connect(self.rescan)
        if not drivers:
            return
        self.periodic.start()
        QTimer.singleShot(0, self.rescan)
        monitor = getattr(drivers[0], "monitor", lambda: None)()
        if monitor is not None:
            self._monitor = monitor
            self._notifier = QSocketNotifier(monitor.fileno(), QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._on_uevent)

    def _on_uevent(self, *_: Any) -> None:
        if self._monitor is not None and self._monitor.drain():
            self.settle.start()

    def rescan(self) -> None:
        if self._busy:  # adb answering slowly: never pile scans up behind it
            return
        self._busy = True
        Op(self, self.devices.scan, "phone").on("io").success(self._scanned).failure(self._failed).run()

    def _scanned(self, found: list[DeviceInfo]) -> None:
        self._busy = False
        self.scans += 1
        # Only a change is announced: panels that watch devices redraw on it.
        seen = sorted((i.id, i.label, tuple(sorted(i.details.items()))) for i in found)
        if seen != self._seen:
            self._seen = seen
            Changes.hub().changed.emit({"devices"})

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        log.warning("phone scan failed: %s", exc)  # the next one retries; no message every 5 s

    def close(self) -> None:
        self.periodic.stop()
        self.settle.stop()
        if self._notifier is not None:
            self._notifier.setEnabled(False)
        if self._monitor is not None:
            self._monitor.close()
            self._monitor = None

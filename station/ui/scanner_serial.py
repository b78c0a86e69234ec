"""Serial scanners in the Qt loop: a QSocketNotifier per open port, no reader thread.

When the port becomes readable the session's non-blocking read returns whole scans.
On an unplug the read fails: the notifier is disabled at once (a hung-up fd stays
"readable" forever), the session is closed and forgotten, the status bar is told, and
a timer asks the DeviceManager every second until the scanner is back, then reopens it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from station.devices.base import DeviceInfo
from station.devices.manager import DeviceManager
from station.errors import DeviceError
from station.ui.ops import Changes

log = logging.getLogger(__name__)

RETRY_MS = 1000
IDLE_FLUSH_MS = 150  # a scanner configured without a terminator has finished after this quiet gap


@dataclass
class _Open:
    info: DeviceInfo
    session: object  # a session with fileno()/read_scans()/flush(), e.g. SerialScannerSession
    notifier: QSocketNotifier


class SerialScannerAdapter(QObject):
    scanned = Signal(str, str)  # text, scanner label

    def __init__(self, devices: DeviceManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.devices = devices
        self._open: dict[str, _Open] = {}
        self._missing: dict[str, DeviceInfo] = {}  # unplugged, waiting to come back
        self._retry = QTimer(self, interval=RETRY_MS)
        self._retry.timeout.connect(self.rescan)
        self._idle = QTimer(self, singleShot=True, interval=IDLE_FLUSH_MS)
        self._idle.timeout.connect(self._flush_idle)
        Changes.hub().changed.connect(self._on_changed)
        self.attach()

    @property
    def connected(self) -> list[DeviceInfo]:
        return [o.info for o in self._open.values()]

    def attach(self, *, retry_missing: bool = True) -> list[DeviceInfo]:
        """Open every scanner the manager knows and we do not watch yet."""
        opened = []
        for info in self.devices.devices("scanner"):
            if info.id in self._open or (info.id in self._missing and not retry_missing):
                continue
            try:
                session = self.devices.session_for(info)
            except DeviceError as exc:
                log.warning("scanner %s: %s", info.label, exc)
                Changes.hub().message.emit("warn", str(exc))
                self._missing[info.id] = info
                self._retry.start()
                continue
            fileno = getattr(session, "fileno", None)
            if fileno is None:
                continue  # not a byte-stream scanner
            notifier = QSocketNotifier(fileno(), QSocketNotifier.Type.Read, self)
            notifier.activated.connect(lambda *_args, key=info.id: self._readable(key))
            self._open[info.id] = _Open(info, session, notifier)
            self._missing.pop(info.id, None)
            opened.append(info)
            log.info("scanner %s open at %s", info.label, info.path)
        if not self._missing:
            self._retry.stop()
        return opened

    def rescan(self) -> None:
        """Ask the manager again (timer while a scanner is missing, or on demand)."""
        self.devices.scan("scanner")
        opened = self.attach()
        for info in opened:
            Changes.hub().message.emit("ok", f"{info.label} reconnected.")
        if opened:
            Changes.hub().changed.emit({"devices"})

    def close(self) -> None:
        for key in list(self._open):
            self._drop(key)
        self._retry.stop()

    def _on_changed(self, topics: set[str]) -> None:
        # A lost scanner is retried by the timer only: a port that fails at once must not spin.
        if "devices" in topics and shiboken6.isValid(self):
            self.attach(retry_missing=False)

    def _readable(self, key: str) -> None:
        entry = self._open.get(key)
        if entry is None:
            return
        try:
            scans = entry.session.read_scans()  # type: ignore[attr-defined]
        except DeviceError as exc:
            self._lost(key, exc)
            return
        for text in scans:
            self.scanned.emit(text, entry.info.label)
        if entry.session.framer.pending:  # type: ignore[attr-defined]
            self._idle.start()

    def _flush_idle(self) -> None:
        for entry in list(self._open.values()):
            for text in entry.session.flush():  # type: ignore[attr-defined]
                self.scanned.emit(text, entry.info.label)

    def _drop(self, key: str) -> _Open | None:
        entry = self._open.pop(key, None)
        if entry is not None:
            entry.notifier.setEnabled(False)  # a hung-up fd is readable forever: stop listening first
            entry.notifier.deleteLater()
            self.devices.forget(entry.info)  # closes the session
        return entry

    def _lost(self, key: str, exc: DeviceError) -> None:
        entry = self._drop(key)
        if entry is None:
            return
        log.warning("scanner %s lost: %s", entry.info.label, exc.__cause__ or exc)
        self._missing[key] = entry.info
        self.devices.scan("scanner")  # drops it from the manager if it is really gone
        Changes.hub().changed.emit({"devices"})
        Changes.hub().message.emit("warn", str(exc))
        self._retry.start()

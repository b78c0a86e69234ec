"""The device manager: asks drivers for devices on demand and on hot-plug events.

No one caches a session across an unplug: `scan()` drops devices that vanished and
closes their sessions; callers ask again with `session_for()` each time they need one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from station.devices.base import DeviceInfo, Driver, Session
from station.errors import DeviceError
from station.i18n import _

log = logging.getLogger(__name__)

Listener = Callable[[list[DeviceInfo], list[DeviceInfo]], None]  # (appeared, vanished)


class DeviceManager:
    def __init__(self) -> None:
        self._drivers: list[Driver] = []
        self._devices: dict[tuple[str, str], DeviceInfo] = {}
        self._sessions: dict[tuple[str, str], Session] = {}
        self._owners: dict[tuple[str, str], Driver] = {}  # which driver found each device
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()

    def register(self, driver: Driver) -> None:
        self._drivers.append(driver)

    def drivers(self, kind: str | None = None) -> list[Driver]:
        return [d for d in self._drivers if kind is None or d.kind == kind]

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def devices(self, kind: str | None = None) -> list[DeviceInfo]:
        with self._lock:
            return [d for d in self._devices.values() if kind is None or d.kind == kind]

    def scan(self, kind: str | None = None) -> list[DeviceInfo]:
        """Enumerate now. A driver that fails is logged and treated as finding nothing."""
        found: dict[tuple[str, str], DeviceInfo] = {}
        owners: dict[tuple[str, str], Driver] = {}
        for driver in self.drivers(kind):
            try:
                for info in driver.enumerate():
                    found[(info.kind, info.id)] = info
                    owners[(info.kind, info.id)] = driver
            except Exception:
                log.exception("driver %r failed to enumerate", driver)
        with self._lock:
            previous = {k: v for k, v in self._devices.items() if kind is None or k[0] == kind}
            appeared = [v for k, v in found.items() if k not in previous]
            vanished = [v for k, v in previous.items() if k not in found]
            for info in vanished:
                self._devices.pop((info.kind, info.id), None)
                sess = self._sessions.pop((info.kind, info.id), None)
                if sess is not None:
                    _close_quietly(sess)
            self._devices.update(found)
            for info in vanished:
                self._owners.pop((info.kind, info.id), None)
            self._owners.update(owners)
        if appeared or vanished:
            for listener in list(self._listeners):
                listener(appeared, vanished)
        return list(found.values())

    def session_for(self, info: DeviceInfo) -> Session:
        """An open session for a device that is attached now; reopened if it went unusable."""
        key = (info.kind, info.id)
        with self._lock:
            if key not in self._devices:
                raise DeviceError(_("{label} is not connected. Plug it in and try again.").format(label=info.label))
            sess = self._sessions.get(key)
            if sess is not None and sess.is_usable():
                return sess
            if sess is not None:
                _close_quietly(sess)
            # The driver that found it opens it: two drivers of one kind (demo bays beside real drives) each
            # know only their own devices.
            driver = self._owners.get(key) or next((d for d in self._drivers if d.kind == info.kind), None)
            if driver is None:
                raise DeviceError(_("No driver for {kind} devices.").format(kind=info.kind))
            sess = driver.open(self._devices[key])
            self._sessions[key] = sess
            return sess

    def forget(self, info: DeviceInfo) -> None:
        with self._lock:
            sess = self._sessions.pop((info.kind, info.id), None)
        if sess is not None:
            _close_quietly(sess)

    def close(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for s in sessions:
            _close_quietly(s)

    def summary(self) -> dict[str, int]:
        """Devices attached per kind, for the status bar."""
        counts: dict[str, int] = {}
        for info in self.devices():
            counts[info.kind] = counts.get(info.kind, 0) + 1
        return counts


def _close_quietly(sess: Session) -> None:
    try:
        sess.close()
    except Exception:
        log.exception("closing %s failed", getattr(sess, "info", sess))

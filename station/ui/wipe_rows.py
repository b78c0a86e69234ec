"""Which rows the Wipe panel has: drives as they come and go, phones beside them, and the
wipes an earlier session left running or cut off.

Drives appear and vanish live: the kernel's hot-plug events (through the drive driver's
monitor) trigger a rescan, debounced, and a light periodic rescan catches what makes no
uevent (mounts, the demo's bays). A drive that left with nothing to report loses its row;
one with a wipe on it keeps the row, marked not connected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

from station.certs.result import MediaFacts
from station.devices.drive.discover import Drive
from station.devices.drives import DriveSession
from station.erase import jobs
from station.erase.guard import Verdict
from station.errors import DeviceError
from station.i18n import _, ngettext
from station.ui import wipe_unit
from station.ui.ops import Op
from station.ui.wipe_phone_target import sync_phone_rows
from station.ui.wipe_targets import DriveTarget

if TYPE_CHECKING:
    from station.ui.panels.wipe import WipePanel

RESCAN_DEBOUNCE_MS = 150
RESCAN_EVERY_MS = 5000  # mounts make no uevent, demo bays none at all: a light rescan while shown


class WipeRows(QObject):
    def __init__(self, panel: WipePanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.debounce = QTimer(self, singleShot=True, interval=RESCAN_DEBOUNCE_MS)
        self.debounce.timeout.connect(self.rescan)
        self.periodic = QTimer(self, interval=RESCAN_EVERY_MS)
        self.periodic.timeout.connect(self._periodic_rescan)
        self._notifier: QSocketNotifier | None = None
        self._monitor: Any = None

    # -- drives appearing and leaving ------------------------------------------------------
    def watch_hotplug(self) -> None:
        driver = next(iter(self.panel.devices.drivers("drive")), None)
        monitor = driver.monitor() if driver is not None and hasattr(driver, "monitor") else None
        self.periodic.start()
        if monitor is None:
            return
        self._monitor = monitor
        self._notifier = QSocketNotifier(monitor.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_uevent)

    def _on_uevent(self, *_: Any) -> None:
        if self._monitor is not None and self._monitor.drain():
            self.debounce.start()  # a plug makes several events: rescan once they settle

    def _periodic_rescan(self) -> None:
        if self.panel.isVisible():
            self.rescan()

    def rescan(self) -> None:
        Op(self.panel, self._scan).on("io").changes("devices").success(lambda _found: self.sync()).run()

    def _scan(self) -> None:
        for kind in ("drive", "phone"):  # the kinds that have rows here
            self.panel.devices.scan(kind)

    def sync(self) -> None:
        panel, model = self.panel, self.panel.model
        seen = set()
        for info in panel.devices.devices("drive"):
            try:
                session = panel.devices.session_for(info)
            except DeviceError:
                continue
            if not isinstance(session, DriveSession):
                continue
            drive, verdict = session.drive, session.verdict
            seen.add(drive.identity)
            row = model.row_of(drive.identity)
            if row < 0:
                model.add(DriveTarget(drive, verdict))
            else:
                target = model.target(row)
                if isinstance(target, DriveTarget):
                    target.update(drive, verdict)
                model.refresh_row(row)
        for row in reversed(range(model.rowCount())):
            target = model.target(row)
            if isinstance(target, DriveTarget) and target.id not in seen:
                if target.handle is None and not target.interrupted_job:
                    model.remove(row)  # gone, and nothing to report about it
                else:
                    target.connected = False
                    model.refresh_row(row)
        sync_phone_rows(panel.devices, model)  # phones sit beside the drives
        wipe_unit.identify_phones(panel, panel.devices, model, panel.select_unit)
        panel.rows_changed()

    # -- recovery at start ---------------------------------------------------------------------
    def recover(self) -> None:
        Op(self.panel, self._recover_work).on("db").changes("wipe", "units").success(self._recovered).run()

    def _recover_work(self) -> tuple[jobs.Recovery, list[Any]]:
        return jobs.recover(self.panel.ctx), jobs.interrupted(self.panel.ctx)

    def _recovered(self, outcome: tuple[jobs.Recovery, list[Any]]) -> None:
        recovery, cut_off = outcome
        for handle in recovery.running:
            self._target_for(handle.identity, handle.path).attach(handle, handle.method)
            self.panel.jobs.poll.start()
        for row in cut_off:
            target = self._target_for(row.serial or row.device, row.device, row.model, row.size_bytes)
            if target.handle is None:
                target.interrupted_job, target.method = row.id, row.method
        if cut_off:
            self.panel.say("warn", ngettext(
                "{count} wipe was cut off when the station stopped; that drive is NOT erased. Select it and press "
                "R to restart.",
                "{count} wipes were cut off when the station stopped; those drives are NOT erased. Select one and "
                "press R to restart.", len(cut_off)).format(count=len(cut_off)))
        self.panel.model.refresh_all()
        self.panel.rows_changed()

    def _target_for(self, identity: str, path: str, model: str | None = None, size: int = 0) -> DriveTarget:
        row = self.panel.model.row_of(identity)
        target = self.panel.model.target(row) if row >= 0 else None
        if isinstance(target, DriveTarget):
            return target
        ghost = Drive(name=path.rsplit("/", 1)[-1], path=path, sys_path="",
                      facts=MediaFacts(path=path, model=model or "", serial=identity, size_bytes=size))
        target = DriveTarget(ghost, Verdict(False, (_("not connected"),)))
        target.connected = False
        self.panel.model.add(target)
        return target

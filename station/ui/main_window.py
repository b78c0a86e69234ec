"""The main window: one unit at a time, six panels, all reachable by keyboard.

Ctrl+1..6 (or F1..F6) switch panels. A bench command barcode or a scan is routed by
the intake flow; panels never call each other, they refresh on `Changes`.

The step tracker under the header follows the open unit (station.steps): whenever
something is recorded, its progress is read again and its stored stage follows. When a
step is finished the window moves on by itself to the panel of the next one and tells
that panel it arrived (`Panel.arrived`): grade saved leads to Photos, the last shot to
Wipe, a wipe that ended to Route, a route to the printed label, its check to Done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from station import steps
from station.context import StationContext
from station.devices.manager import DeviceManager
from station.ui.accessible import name_controls
from station.ui.ops import Changes, Op
from station.ui.panels.base import Banner, Panel
from station.ui.panels.grade import GradePanel
from station.ui.panels.intake import IntakePanel
from station.ui.panels.label import LabelPanel
from station.ui.panels.photos import PhotosPanel
from station.ui.panels.supervisor import SupervisorPanel
from station.ui.panels.wipe import WipePanel
from station.ui.phone_watch import PhoneWatch
from station.ui.scan_router import ScanRouter
from station.ui.status import StatusBar
from station.ui.step_tracker import StepTracker
from station.ui.style import stylesheet

if TYPE_CHECKING:
    from station.sync import SyncWorker

PANELS: tuple[type[Panel], ...] = (IntakePanel, GradePanel, PhotosPanel, WipePanel, LabelPanel, SupervisorPanel)
STEP_PANELS: dict[str, type[Panel]] = {"intake": IntakePanel, "grade": GradePanel, "photos": PhotosPanel,
                                       "wipe": WipePanel, "route": LabelPanel, "label": LabelPanel,
                                       "done": IntakePanel}
# What is recorded when a step is done; any of these makes the tracker read the unit again.
_STEP_TOPICS = frozenset({"units", "grades", "photos", "wipe", "labels", "events"})


class MainWindow(QMainWindow):
    unit_changed = Signal(object)  # uid or None
    sync_worker: SyncWorker | None = None  # set by app.create_window when the outbox drains in the background

    def __init__(self, ctx: StationContext, devices: DeviceManager, *, demo: bool) -> None:
        super().__init__()
        self.ctx, self.devices, self.demo = ctx, devices, demo
        self.setWindowTitle(self.tr("Triage station: {station}").format(station=ctx.station_id)
                            + (self.tr("  [DEMO]") if demo else ""))
        self.apply_theme()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        self.banner = QLabel()
        self.banner.setObjectName("unit-banner")
        layout.addWidget(self.banner)
        self.tracker = StepTracker()
        layout.addWidget(self.tracker)
        self.progress: steps.Progress | None = None
        self._go_to_step = False  # the unit was just opened: show the panel of its step once known
        self._follow_timer = QTimer(self, singleShot=True, interval=30)
        self._follow_timer.timeout.connect(self.follow)
        Changes.hub().changed.connect(self._on_changed)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.panels: list[Panel] = []
        for i, cls in enumerate(PANELS, 1):
            panel = cls(ctx, devices)
            self.panels.append(panel)
            self.tabs.addTab(panel, f"&{i} {self.tr(panel.title)}")
            for seq in (f"Ctrl+{i}", f"F{i}"):
                QShortcut(QKeySequence(seq), self).activated.connect(lambda i=i: self.show_panel(i - 1))
        self.tabs.currentChanged.connect(self._on_tab)
        self.tabs.tabBar().setAccessibleName(self.tr("Panels"))
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.status = StatusBar(ctx, devices, demo, self)
        self.setStatusBar(self.status)
        self.phones = PhoneWatch(devices, self)  # phones plugged in show wherever the technician is
        self.unit_uid: str | None = None
        self.set_unit(None)
        # Scans from every scanner (serial, keyboard wedge, entry line), sign-in and command barcodes.
        self.scans = ScanRouter(self)
        Changes.hub().message.connect(self._on_message)
        name_controls(self)
        self.resize(1280, 800)

    def apply_theme(self) -> None:
        """The theme chosen in Admin (station.theme): standard, or high-contrast."""
        self.setStyleSheet(stylesheet(self.ctx.config["station.theme"]))

    def _on_message(self, level: str, text: str) -> None:
        """What the work said goes on the banner of the panel on screen too, in colour; an error also sounds
        (unless a scan's own cue just did)."""
        panel = self.tabs.currentWidget()
        if isinstance(panel, Panel) and isinstance(panel.banner, Banner):
            cue = panel.banner.show_message(level, text)
            if cue == "bad":
                self.scans.cue.play(cue, unless_within_s=0.5)

    def panel(self, cls: type[Panel]) -> Panel:
        return next(p for p in self.panels if isinstance(p, cls))

    def show_panel(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def _on_tab(self, index: int) -> None:
        panel = self.panels[index]
        panel.activated()
        name_controls(panel)  # controls a panel made since (a grade form's options, KPI tiles)

    def set_unit(self, uid: str | None, summary: str = "", *, go_to_step: bool = False) -> None:
        if uid != self.unit_uid:
            self.progress = None
            self.tracker.show_progress(None)
        self.unit_uid = uid
        self._summary = summary
        self._go_to_step = go_to_step
        self._show_banner()
        for p in self.panels:
            p.set_unit(uid)
        self.unit_changed.emit(uid)
        self.follow()

    def _show_banner(self) -> None:
        uid, p = self.unit_uid, self.progress
        if not uid:
            self.banner.setText(self.tr("No unit open: scan a device to begin"))
            return
        # The summary's last part is the stage as stored when the unit was read; the tracker's is newer.
        summary = self._summary.rsplit(" · ", 1)[0] if p is not None else self._summary
        stage = f" · {self.tr(steps.TITLES[p.stage])}" if p is not None else ""
        done = self.tr("  Done: scan the next unit") if p is not None and p.stage == "done" else ""
        self.banner.setText(self.tr("Unit {uid}").format(uid=uid) + f"  {summary}{stage}{done}")

    # -- the open unit's progress ---------------------------------------------------------------
    def _on_changed(self, topics: set[str]) -> None:
        if "config" in topics:
            self.apply_theme()
        if self.unit_uid and topics & _STEP_TOPICS:
            self._follow_timer.start()  # one read for a burst of changes

    def follow(self) -> None:
        if self.unit_uid:
            Op(self, steps.follow, self.ctx, self.unit_uid).success(self._followed).run()

    def _followed(self, p: steps.Progress | None) -> None:
        if p is None or p.uid != self.unit_uid:
            return  # the bench moved on to another unit meanwhile
        before, self.progress = self.progress, p
        self.tracker.show_progress(p)
        self._show_banner()
        moved = before is not None and steps.STEPS.index(p.stage) > steps.STEPS.index(before.stage)
        if moved or self._go_to_step:
            self._go_to_step = False
            self.go_to_step(p)

    def go_to_step(self, p: steps.Progress) -> None:
        panel = self.panel(STEP_PANELS[p.stage])
        self.tabs.setCurrentWidget(panel)
        if QApplication.activeModalWidget() is None:
            self.activateWindow()  # back from a wipe's dialog: the keys must reach the next step
        panel.arrived(p)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.show_panel(0)
            return
        super().keyPressEvent(event)

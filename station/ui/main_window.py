"""The main window: one unit at a time, six panels, all reachable by keyboard.

Ctrl+1..6 (or F1..F6) switch panels. A bench command barcode or a scan is routed by
the intake flow; panels never call each other, they refresh on `Changes`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from station.context import StationContext
from station.devices.manager import DeviceManager
from station.ui.panels.base import Panel
from station.ui.panels.grade import GradePanel
from station.ui.panels.intake import IntakePanel
from station.ui.panels.label import LabelPanel
from station.ui.panels.photos import PhotosPanel
from station.ui.panels.supervisor import SupervisorPanel
from station.ui.panels.wipe import WipePanel
from station.ui.phone_watch import PhoneWatch
from station.ui.scan_router import ScanRouter
from station.ui.status import StatusBar
from station.ui.style import STYLE

PANELS: tuple[type[Panel], ...] = (IntakePanel, GradePanel, PhotosPanel, WipePanel, LabelPanel, SupervisorPanel)


class MainWindow(QMainWindow):
    unit_changed = Signal(object)  # uid or None

    def __init__(self, ctx: StationContext, devices: DeviceManager, *, demo: bool) -> None:
        super().__init__()
        self.ctx, self.devices, self.demo = ctx, devices, demo
        self.setWindowTitle(f"Triage station: {ctx.station_id}" + ("  [DEMO]" if demo else ""))
        self.setStyleSheet(STYLE)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        self.banner = QLabel()
        self.banner.setObjectName("unit-banner")
        layout.addWidget(self.banner)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.panels: list[Panel] = []
        for i, cls in enumerate(PANELS, 1):
            panel = cls(ctx, devices)
            self.panels.append(panel)
            self.tabs.addTab(panel, f"&{i} {panel.title}")
            for seq in (f"Ctrl+{i}", f"F{i}"):
                QShortcut(QKeySequence(seq), self, activated=lambda i=i: self.show_panel(i - 1))
        self.tabs.currentChanged.connect(self._on_tab)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.status = StatusBar(ctx, devices, demo, self)
        self.setStatusBar(self.status)
        self.phones = PhoneWatch(devices, self)  # phones plugged in show wherever the technician is
        self.unit_uid: str | None = None
        self.set_unit(None)
        # Scans from every scanner (serial, keyboard wedge, entry line), sign-in and command barcodes.
        self.scans = ScanRouter(self)
        self.resize(1280, 800)

    def panel(self, cls: type[Panel]) -> Panel:
        return next(p for p in self.panels if isinstance(p, cls))

    def show_panel(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def _on_tab(self, index: int) -> None:
        panel = self.panels[index]
        panel.activated()

    def set_unit(self, uid: str | None, summary: str = "") -> None:
        self.unit_uid = uid
        self.banner.setText(f"Unit {uid}  {summary}" if uid else "No unit open: scan a device to begin")
        for p in self.panels:
            p.set_unit(uid)
        self.unit_changed.emit(uid)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape:
            self.show_panel(0)
            return
        super().keyPressEvent(event)

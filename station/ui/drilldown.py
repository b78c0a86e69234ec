"""The units behind a KPI figure, in a keyboard-navigable table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from station.models import Unit

COLUMNS = (("Unit", "uid"), ("Class", "device_class"), ("Model", "model"), ("Serial", "serial"),
           ("IMEI", "imei"), ("Grade", "sale_grade"), ("Wipe", "wipe_status"), ("Route", "route"),
           ("Stage", "stage"), ("Finished", "finished_at"), ("Blocked because", "blocked_reason"))


class DrillDown(QDialog):
    def __init__(self, title: str, units: list[Unit], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(1100, 520)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(units), len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c for c, _ in COLUMNS])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for r, u in enumerate(units):
            for c, (_h, attr) in enumerate(COLUMNS):
                self.table.setItem(r, c, QTableWidgetItem(str(getattr(u, attr) or "")))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.units = units

"""The units behind a KPI figure, in a keyboard-navigable table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from station.i18n import N_, _
from station.models import Unit

COLUMNS = ((N_("Unit"), "uid"), (N_("Class"), "device_class"), (N_("Model"), "model"), (N_("Serial"), "serial"),
           (N_("IMEI"), "imei"), (N_("Grade"), "sale_grade"), (N_("Wipe"), "wipe_status"), (N_("Route"), "route"),
           (N_("Stage"), "stage"), (N_("Finished"), "finished_at"), (N_("Blocked because"), "blocked_reason"))


class DrillDown(QDialog):
    def __init__(self, title: str, units: list[Unit], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(1100, 520)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(units), len(COLUMNS))
        self.table.setHorizontalHeaderLabels([_(c) for c, _attr in COLUMNS])
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

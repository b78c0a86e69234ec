"""The units behind a KPI figure, in a keyboard-navigable table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget
from typing_extensions import override

from station.i18n import N_, _, shown
from station.models import Unit
from station.ui.table_fit import content_width, fit_columns

COLUMNS = ((N_("Unit"), "uid"), (N_("Class"), "device_class"), (N_("Model"), "model"), (N_("Serial"), "serial"),
           (N_("IMEI"), "imei"), (N_("Grade"), "sale_grade"), (N_("Wipe"), "wipe_status"), (N_("Route"), "route"),
           (N_("Stage"), "stage"), (N_("Finished"), "finished_at"), (N_("Blocked because"), "blocked_reason"))
_ATTRS = [attr for _h, attr in COLUMNS]


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
                value = str(getattr(u, attr) or "")
                # a hold is kept in English on the unit: shown in the interface language
                self.table.setItem(r, c, QTableWidgetItem(shown(value) if attr == "blocked_reason" else value))
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.units = units

    @override
    def showEvent(self, event: QShowEvent) -> None:
        """Sized once the theme's font is in place (it is not before the first show): as wide as the columns
        need, within the screen; on a narrow screen the long free-text columns give way first."""
        super().showEvent(event)
        self.table.resizeRowsToContents()
        need = sum(content_width(self.table, c) for c in range(len(COLUMNS)))
        frame = self.width() - self.table.viewport().width()
        room = self.screen().availableGeometry()
        self.resize(min(max(self.width(), need + frame + 4), room.width()), min(self.height(), room.height()))
        self.fit()

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        fit_columns(self.table, shrink=[_ATTRS.index(c) for c in ("blocked_reason", "model", "finished_at")])

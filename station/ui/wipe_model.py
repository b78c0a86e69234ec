"""The Wipe panel's table: one row per wipe target, with a drawn progress bar.

The model keeps the targets in order of appearance and a snapshot per row; the panel
refreshes snapshots every ~100 ms while something runs and the model emits
dataChanged only for rows whose text changed, so an idle table costs nothing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionProgressBar

from station.i18n import N_, _
from station.ui.wipe_targets import Facts, Snapshot, WipeTarget

COLUMNS = (N_("Bay"), N_("Model"), N_("IMEI"), N_("Serial"), N_("Size"), N_("Bus"), N_("Guard"), N_("Method"),
           N_("Progress"), N_("Speed"), N_("ETA"), N_("Result"))  # English: also the columns' keys
PROGRESS_WIDTH = 170  # px: "factory reset 100%" at 16 px; never shrinks to nothing while the other columns change
PROGRESS = COLUMNS.index("Progress")
RESULT = COLUMNS.index("Result")
GUARD = COLUMNS.index("Guard")
SHRINK = [GUARD, COLUMNS.index("Model"), COLUMNS.index("Serial"), COLUMNS.index("Method")]  # they give way first
_LEVEL_COLOURS = {"ok": "#1b7f3a", "error": "#b3261e", "warn": "#9a6700"}

Index = QModelIndex | QPersistentModelIndex


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def row_texts(facts: Facts, snap: Snapshot, method: str) -> tuple[str, ...]:
    progress = f"{snap.step} {100 * snap.fraction:.0f}%".strip() if snap.running else ""
    # Speed and ETA say so while they are not known yet, instead of an empty cell.
    speed = (_("{rate:.0f} MB/s").format(rate=snap.rate / 1e6) if snap.rate else _("measuring")) if snap.running else ""
    eta = (_eta(snap.eta_s) if snap.eta_s is not None else _("estimating")) if snap.running else ""
    return (facts.port, facts.model, facts.extra.get("imei", ""), facts.serial, facts.size, facts.bus, facts.guard,
            snap.method or method, progress, speed, eta, snap.result)


class WipeTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.targets: list[WipeTarget] = []
        self._rows: list[tuple[str, ...]] = []
        self._snaps: list[Snapshot] = []
        self.method = ""  # the method the next start will use, shown on idle rows
        self.bold: set[str] = set()  # the open unit's rows (its media)

    # -- Qt model API -----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.targets)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[row][col]
        if role == Qt.ItemDataRole.UserRole and col == PROGRESS:
            snap = self._snaps[row]
            return int(1000 * snap.fraction) if snap.running or snap.fraction else -1
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == RESULT and self._snaps[row].level:
                return QBrush(QColor(_LEVEL_COLOURS[self._snaps[row].level]))
            if col == GUARD and not self.targets[row].eligible() and not self._snaps[row].running:
                return QBrush(QColor(_LEVEL_COLOURS["error"]))
        if role == Qt.ItemDataRole.FontRole and self.targets[row].id in self.bold:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:  # a cell that gave way to the Result column reads in full here
            return self._rows[row][col] or None
        return None

    # -- the panel's API --------------------------------------------------------------
    def target(self, row: int) -> WipeTarget | None:
        return self.targets[row] if 0 <= row < len(self.targets) else None

    def row_of(self, target_id: str) -> int:
        return next((i for i, t in enumerate(self.targets) if t.id == target_id), -1)

    def add(self, target: WipeTarget) -> None:
        n = len(self.targets)
        self.beginInsertRows(QModelIndex(), n, n)
        self.targets.append(target)
        snap = target.snapshot()
        self._snaps.append(snap)
        self._rows.append(row_texts(target.facts(), snap, self.method))
        self.endInsertRows()

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.targets[row], self._snaps[row], self._rows[row]
        self.endRemoveRows()

    def refresh_row(self, row: int) -> Snapshot:
        target = self.targets[row]
        snap = target.snapshot()
        texts = row_texts(target.facts(), snap, self.method)
        if texts != self._rows[row] or snap.fraction != self._snaps[row].fraction:
            self._rows[row], self._snaps[row] = texts, snap
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        return snap

    def set_bold(self, ids: set[str]) -> None:
        if ids != self.bold:
            self.bold = ids
            if self.targets:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.targets) - 1, len(COLUMNS) - 1))

    def refresh_all(self) -> None:
        for row in range(len(self.targets)):
            self.refresh_row(row)


class ProgressDelegate(QStyledItemDelegate):
    """Draws the Progress column as a progress bar with the step and percentage on it."""

    def paint(self, painter: Any, option: Any, index: Index) -> None:
        value = index.data(Qt.ItemDataRole.UserRole)
        if value is None or value < 0:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum, bar.progress = 0, 1000, int(value)
        bar.text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        bar.textVisible = True
        bar.state = option.state
        style = option.widget.style() if option.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)

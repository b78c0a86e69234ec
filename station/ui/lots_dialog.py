"""The lots dialog (Ctrl+L on the Grade panel): pick or open a lot, scan units into it, export.

Keys: Up/Down pick a lot · type or scan a unit into the field and Enter adds it · Ctrl+B adds
the unit on the bench · Ctrl+N opens a new lot · Ctrl+E exports the manifest · Ctrl+W closes
the lot · Esc leaves. A unit that does not fit the lot's rule is refused with the reason, and
Y adds it anyway. `handle_scan(text)` takes a scan routed here while the dialog is open.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from station import lot_manifest, lots
from station.context import StationContext
from station.i18n import ngettext
from station.ui.ops import Changes, Op


class LotsDialog(QDialog):
    def __init__(self, ctx: StationContext, bench_unit: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.bench_unit = ctx, bench_unit
        self.setWindowTitle(self.tr("Auction lots"))
        self.resize(720, 520)
        layout = QVBoxLayout(self)
        keys = QLabel(self.tr("↑/↓ pick a lot · scan or type a unit + Enter to add · Ctrl+B add the bench unit · "
                              "Ctrl+N new lot · Ctrl+E export · Ctrl+W close lot · Esc leave"))
        keys.setWordWrap(True)  # longer in Polish or Spanish than the dialog is wide
        layout.addWidget(keys)
        self.lots = QListWidget()
        self.lots.setAccessibleName(self.tr("Lots"))
        self.lots.setObjectName("lot-list")
        layout.addWidget(self.lots, 1)
        self.scan = QLineEdit()
        self.scan.setObjectName("lot-scan")
        self.scan.setPlaceholderText(self.tr("Scan a unit to add it to the selected lot"))
        self.scan.returnPressed.connect(lambda: self.handle_scan(self.scan.text()))
        layout.addWidget(self.scan)
        self.message = QLabel("")
        self.message.setObjectName("lot-message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        # Keys the scan field does not use reach the dialog (keyPressEvent), whichever child has focus.
        self._ctrl_keys = {Qt.Key.Key_N: self.new_lot, Qt.Key.Key_B: self.add_bench_unit,
                           Qt.Key.Key_E: self.export, Qt.Key.Key_W: self.close_lot}
        self.last_result: str = ""
        self.reload()
        self.scan.setFocus()

    def keyPressEvent(self, event) -> None:
        key, ctrl = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if ctrl and key in self._ctrl_keys:
            self._ctrl_keys[key]()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._move(-1 if key == Qt.Key.Key_Up else 1)
        else:
            super().keyPressEvent(event)

    # -- data -----------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        current = select or self.selected()
        self.lots.clear()
        for info in lots.list_lots(self.ctx):
            units = ngettext("{count} unit", "{count} units", info.count).format(count=info.count)
            item = QListWidgetItem(f"{info.code}   {info.status}   {units}   {info.rule}")
            item.setData(Qt.ItemDataRole.UserRole, info.code)
            self.lots.addItem(item)
            if info.code == current or (current is None and self.lots.count() == 1):
                self.lots.setCurrentItem(item)

    def selected(self) -> str | None:
        item = self.lots.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _move(self, step: int) -> None:
        row = max(0, min(self.lots.currentRow() + step, self.lots.count() - 1))
        self.lots.setCurrentRow(row)

    def _say(self, level: str, text: str) -> None:
        self.last_result = text
        colour = {"ok": "#1b5e20", "error": "#b00020", "warn": "#b35c00"}.get(level, "#333")
        self.message.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.message.setText(text)
        Changes.hub().message.emit(level, text)

    # -- actions --------------------------------------------------------------------------
    def new_lot(self) -> None:
        Op(self, lots.create, self.ctx).success(self._opened).failure(lambda e: self._say("error", str(e))).run()

    def _opened(self, info: lots.LotInfo) -> None:
        self.reload(info.code)
        self._say("ok", self.tr("Lot {lot} opened; its rule comes from the first unit scanned in.")
                  .format(lot=info.code))

    def add_bench_unit(self) -> None:
        if not self.bench_unit:
            self._say("warn", self.tr("No unit is open on the bench; scan one into the field instead."))
            return
        self.handle_scan(self.bench_unit)

    def handle_scan(self, text: str, *, force: bool = False) -> None:
        text = text.strip()
        self.scan.clear()
        code = self.selected()
        if not text:
            return
        if code is None:
            self._say("warn", self.tr("Open or pick a lot first (Ctrl+N opens a new one)."))
            return
        Op(self, lots.add, self.ctx, code, text, force=force).changes("units", "lots").success(
            lambda added: self._added(code, added)).failure(lambda exc: self._refused(text, exc)).run()

    def _added(self, code: str, added: lots.Added) -> None:
        note = ""
        if added.forced:
            note = self.tr(" despite: {reasons}").format(reasons="; ".join(added.mismatches))
        self._say("ok", ngettext("Added {unit} to {lot} ({count} unit){note}.",
                                 "Added {unit} to {lot} ({count} units){note}.", added.lot.count)
                  .format(unit=added.unit_uid, lot=added.lot.code, count=added.lot.count, note=note))
        self.reload(code)

    def _refused(self, text: str, exc: BaseException) -> None:
        self._say("warn" if isinstance(exc, lots.LotMismatch) else "error", str(exc))
        if isinstance(exc, lots.LotMismatch) and self._confirm_anyway(str(exc)):
            self.handle_scan(text, force=True)

    def _confirm_anyway(self, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Unit does not fit the lot"),
                          text + "\n\n" + self.tr("Add it anyway? (Y/N)"),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def close_lot(self) -> None:
        code = self.selected()
        if code is None:
            return
        def closed(info: lots.LotInfo) -> None:
            self.reload(info.code)
            self._say("ok", ngettext("Lot {lot} closed with {count} unit.", "Lot {lot} closed with {count} units.",
                                     info.count).format(lot=info.code, count=info.count))

        Op(self, lots.close, self.ctx, code).success(closed).failure(lambda e: self._say("error", str(e))).run()

    def export(self, path: str | None = None) -> None:
        code = self.selected()
        if code is None:
            self._say("warn", self.tr("Pick a lot to export."))
            return
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(self, self.tr("Export the lot manifest"),
                                                        str(Path.home() / f"{code}.xlsx"),
                                                        self.tr("Excel (*.xlsx);;CSV (*.csv)"))
            if not path:
                return
        fmt = "csv" if path.lower().endswith(".csv") else "xlsx"
        out = Path(path)

        def written(m: lot_manifest.Manifest) -> None:
            self._say("ok", ngettext("{lot}: {count} unit written to {file}.",
                                     "{lot}: {count} units written to {file}.", len(m.rows))
                      .format(lot=m.lot.code, count=len(m.rows), file=out))

        Op(self, lot_manifest.export, self.ctx, code, fmt, out).on("io").success(written).failure(
            lambda e: self._say("error", str(e))).run()

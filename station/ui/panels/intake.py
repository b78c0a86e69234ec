"""The Intake panel: the verdict of the last scan, the open unit's intake fields and history.

Scans arrive through the scan router (any scanner, or the entry line here); the router
hands each ScanOutcome to `show_outcome()`, which already carries the unit's fields and
history read in the scan's own transaction, so the row shows without a second query.
Batch values (source, lot/PO, return category) are set once and applied to new units.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station import workflow
from station.history_words import class_word, stage_word
from station.i18n import N_, _
from station.return_label import ReturnLabel
from station.ui.ops import Changes, Op
from station.ui.panels.base import Panel, column, heading, hint
from station.ui.scanner_cue import cue_style, set_cue
from station.unit_view import UnitView
from station.workflow import IntakeDefaults, ScanOutcome

RECENT_ROWS = 200


def _choices(ctx_value: str) -> list[str]:
    return [""] + [c.strip() for c in ctx_value.split(",") if c.strip()]


def _combo(options: list[str]) -> QComboBox:
    box = QComboBox()
    box.setEditable(True)
    box.addItems(options)
    return box


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return table


class IntakePanel(Panel):
    title = N_("Intake")  # shown through tr() in the tab
    topics = frozenset({"units", "operator"})
    scan_entered = Signal(str)  # text typed into the entry line; the router treats it as a scan
    shown = Signal(object)  # the ScanOutcome now on screen

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cfg = self.ctx.config
        self._view: UnitView | None = None
        self._fresh: UnitView | None = None
        self._dirty = False
        self.verdict = QLabel(self.tr("Scan a device, an operator badge or a command barcode to begin."))
        self.verdict.setObjectName("scan-verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName(self.tr("Scan verdict"))
        self.verdict.setStyleSheet("QLabel#scan-verdict { font-size: 15pt; font-weight: 600; padding: 8px; }\n"
                                   + cue_style("QLabel#scan-verdict"))
        self.banner = self.verdict  # the scan's verdict is this panel's banner: colour, sound and text
        outer = column(self)
        outer.addWidget(heading(self.tr("Intake")))
        outer.addWidget(self.verdict)
        self.operator_hint = hint("")
        outer.addWidget(self.operator_hint)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText(
            self.tr("Type an IMEI, serial or unit label and press Enter (scanners work anywhere)"))
        self.entry.returnPressed.connect(self._entered)
        outer.addWidget(self.entry)

        body = QHBoxLayout()
        outer.addLayout(body, 1)
        # The forms scroll rather than push the window past a 1280x800 screen: with 40 px fields
        # (click targets at arm's length) they are taller than what is left under the header.
        form_area = QScrollArea()
        form_area.setWidgetResizable(True)
        form_area.setFrameShape(QFrame.Shape.NoFrame)
        form_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        forms = QWidget()
        left = QVBoxLayout(forms)
        left.setContentsMargins(0, 0, 0, 0)
        form_area.setWidget(forms)
        body.addWidget(form_area, 1)
        batch = QGroupBox(self.tr("For every new unit (batch)"))
        bform = QFormLayout(batch)
        self.batch_source = QLineEdit()
        self.batch_lot = QLineEdit()
        self.batch_lot.setPlaceholderText(self.tr("type, or click here and scan the lot label"))
        self.batch_category = _combo(_choices(cfg["intake.return_categories"]))
        bform.addRow(self.tr("Source/customer"), self.batch_source)
        bform.addRow(self.tr("Lot/PO"), self.batch_lot)
        bform.addRow(self.tr("Return category"), self.batch_category)
        left.addWidget(batch)

        self.unit_box = QGroupBox(self.tr("Unit"))
        form = QFormLayout(self.unit_box)
        self.identifiers = QLabel("")
        self.identifiers.setWordWrap(True)
        self.identifiers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.f_serial = QLineEdit()
        self.f_category = _combo(_choices(cfg["intake.return_categories"]))
        self.f_reason = _combo(_choices(cfg["intake.return_reasons"]))
        self.f_source = QLineEdit()
        self.f_lot = QLineEdit()
        self.f_initiated = QLineEdit()
        self.f_initiated.setPlaceholderText(self.tr("YYYY-MM-DD, or click here and scan the return label"))
        self.f_capacity = QLineEdit()
        self.f_capacity.setPlaceholderText(
            self.tr("storage as sold, e.g. 128 GB or 1 TB (filled from the phone or drive)"))
        self.f_shipping = QLineEdit()
        self.f_shipping.setPlaceholderText(self.tr("inbound shipping paid, e.g. 6.40 (or scan the return label)"))
        self.f_notes = QPlainTextEdit()
        self.f_usage = QPlainTextEdit()
        for w in (self.f_notes, self.f_usage):
            w.setTabChangesFocus(True)
            w.setMaximumHeight(70)
            w.setMinimumHeight(34)  # two lines at least; lets the window fit a 1280x800 screen
        form.addRow(self.tr("Identifiers"), self.identifiers)
        form.addRow(self.tr("&Serial"), self.f_serial)
        form.addRow(self.tr("Return &category"), self.f_category)
        form.addRow(self.tr("&Reason for return"), self.f_reason)
        form.addRow(self.tr("Source/c&ustomer"), self.f_source)
        form.addRow(self.tr("&Lot/PO"), self.f_lot)
        form.addRow(self.tr("Ca&pacity"), self.f_capacity)
        form.addRow(self.tr("Return initiated"), self.f_initiated)
        form.addRow(self.tr("Inbound shipping"), self.f_shipping)
        form.addRow(self.tr("Condition &notes"), self.f_notes)
        form.addRow(self.tr("Usage &history"), self.f_usage)
        self.save_button = QPushButton(self.tr("Save intake (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        form.addRow(self.save_button)
        left.addWidget(self.unit_box)
        for line in (self.f_serial, self.f_source, self.f_lot, self.f_capacity, self.f_initiated, self.f_shipping):
            line.textEdited.connect(self._mark_dirty)
        for c in (self.f_category, self.f_reason):
            c.currentTextChanged.connect(self._mark_dirty)
        for t in (self.f_notes, self.f_usage):
            t.textChanged.connect(self._mark_dirty)
        QShortcut(QKeySequence("Ctrl+S"), self).activated.connect(self.save)

        right = QVBoxLayout()
        body.addLayout(right, 1)
        right.addWidget(QLabel(self.tr("History of this unit")))
        self.history = _table([self.tr("What happened, newest first")])  # sentences: "Graded B by Ana at 10:42"
        self.history.setAccessibleName(self.tr("History of this unit"))
        right.addWidget(self.history, 2)
        right.addWidget(QLabel(self.tr("Recent scans")))
        self.recent = _table([self.tr("Time"), self.tr("Scan"), self.tr("Unit"), self.tr("Result")])
        self.recent.setAccessibleName(self.tr("Recent scans"))
        right.addWidget(self.recent, 1)
        self._render(None)
        self.refresh_operator()

    # -- what the router asks ---------------------------------------------------------------
    def expecting(self) -> str:
        """'lot' while a Lot/PO field has focus (a lot scan fills it), 'return' while a return field
        has (a return label's GS1 code fills them), else 'unit'."""
        if self.f_initiated.hasFocus() or self.f_shipping.hasFocus():
            return "return"
        return "lot" if self.batch_lot.hasFocus() or self.f_lot.hasFocus() else "unit"

    def fill_return(self, label: ReturnLabel) -> None:
        """What a scanned return label said; saved with the rest of the intake (Ctrl+S)."""
        if label.initiated_on:
            self.f_initiated.setText(label.initiated_on)
        if label.shipping_cost is not None:
            self.f_shipping.setText(f"{label.shipping_cost:.2f}")
        self._mark_dirty()

    def batch_defaults(self) -> IntakeDefaults:
        return IntakeDefaults(self.batch_source.text().strip() or None, self.batch_lot.text().strip() or None,
                              self.batch_category.currentText().strip() or None)

    def fill_lot(self, value: str) -> None:
        (self.f_lot if self.f_lot.hasFocus() else self.batch_lot).setText(value)
        if self.f_lot.hasFocus():
            self._mark_dirty()

    def show_outcome(self, outcome: ScanOutcome) -> None:
        self.verdict.setText(outcome.message)
        if self.verdict.property("cue") != outcome.cue:
            set_cue(self.verdict, outcome.cue)
        c = outcome.classification
        self.recent.insertRow(0)
        scanned = c.value if c is not None else "(unreadable)"
        for col, text in enumerate((datetime.now().strftime("%H:%M:%S"), scanned, outcome.uid or "", outcome.message)):
            self.recent.setItem(0, col, QTableWidgetItem(text))
        if self.recent.rowCount() > RECENT_ROWS:
            self.recent.removeRow(RECENT_ROWS)
        if outcome.unit is not None:
            self._fresh = outcome.unit
            self._render(outcome.unit)
        if outcome.action in ("signed_in", "signed_out"):
            self.refresh_operator()
        self.shown.emit(outcome)

    # -- panel ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.refresh_operator()
        uid, fresh = self.unit_uid, self._fresh
        self._fresh = None  # any later refresh (a 'units' change) reads the unit again
        if uid is None:
            self._render(None)
        elif fresh is not None and fresh.uid == uid:
            if fresh is not self._view:
                self._render(fresh)  # the scan just read it in its own transaction
        else:
            Op(self, workflow.load_unit, self.ctx, uid).success(self._loaded).run()

    def activated(self) -> None:
        super().activated()
        self.entry.setFocus()

    def refresh_operator(self) -> None:
        op = self.ctx.operator
        self.operator_hint.setText(
            self.tr("Signed in: {name} ({role}). Ctrl+L switches operator.").format(name=op.name, role=_(op.role))
            if op else self.tr("Not signed in: scan your badge, or press Ctrl+L to use your PIN."))

    def _loaded(self, view: UnitView | None) -> None:
        if view is None or view.uid != self.unit_uid:
            return
        if self._dirty and self._view is not None and self._view.uid == view.uid:
            self._render_history(view)  # keep what the technician is typing
            return
        self._render(view)

    def _render(self, view: UnitView | None) -> None:
        self._view = view
        self.unit_box.setEnabled(view is not None)
        self.unit_box.setTitle(self.tr("Unit {uid} ({kind}, {stage})").format(
            uid=view.uid, kind=class_word(view.device_class), stage=stage_word(view.stage))
                              if view else self.tr("Unit"))
        f = view.fields if view else {}
        self.identifiers.setText(", ".join(f"{k} {v}" for k, v in view.identifiers) if view else "")
        self.f_serial.setText(f.get("serial") or "")
        self.f_category.setCurrentText(f.get("return_category") or "")
        self.f_reason.setCurrentText(f.get("return_reason") or "")
        self.f_source.setText(f.get("source") or "")
        self.f_lot.setText(f.get("lot_ref") or "")
        self.f_capacity.setText(f.get("capacity") or "")
        self.f_initiated.setText(f.get("return_initiated_on") or "")
        self.f_shipping.setText(f.get("shipping_cost") or "")
        self.f_notes.setPlainText(f.get("condition_notes") or "")
        self.f_usage.setPlainText(f.get("usage_history") or "")
        self._dirty = False
        self._render_history(view)

    def _render_history(self, view: UnitView | None) -> None:
        lines = view.history if view else []
        self.history.setRowCount(len(lines))
        for row, h in enumerate(reversed(lines)):  # newest first
            item = QTableWidgetItem(h.sentence)
            item.setToolTip(self.tr("{at} UTC · {kind} · {detail}").format(at=h.at[:19].replace("T", " "), kind=h.kind,
                                                                           detail=h.detail))  # the record behind it
            self.history.setItem(row, 0, item)

    def _mark_dirty(self, *_args: object) -> None:
        self._dirty = True

    def _entered(self) -> None:
        text = self.entry.text().strip()
        self.entry.clear()
        if text:
            self.scan_entered.emit(text)

    def save(self) -> None:
        if self._view is None:
            return
        values = {
            "serial": self.f_serial.text(), "return_category": self.f_category.currentText(),
            "return_reason": self.f_reason.currentText(), "source": self.f_source.text(),
            "lot_ref": self.f_lot.text(), "condition_notes": self.f_notes.toPlainText(),
            "usage_history": self.f_usage.toPlainText(), "return_initiated_on": self.f_initiated.text(),
            "shipping_cost": self.f_shipping.text(), "capacity": self.f_capacity.text(),
        }
        Op(self, workflow.save_intake, self.ctx, self._view.uid, values).success(self._saved).changes("units").run()

    def _saved(self, view: UnitView) -> None:
        self._render(view)
        Changes.hub().message.emit("ok", self.tr("Intake of unit {unit} saved.").format(unit=view.uid))

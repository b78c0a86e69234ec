"""The Label panel: the exact label bitmap, print / re-print, and the scan-back check.

Keys: Ctrl+P prints (a re-print when the unit already has a label), Alt+L picks the
layout, Alt+K goes to the scan-back box, Alt+Q sends queued labels, Enter on a history
row re-prints that layout. After printing, scanning the printed label checks it: a
label that scans as another unit is reported loudly and must not be stuck on.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from station import label_check
from station.i18n import N_, _, ngettext, shown
from station.labels import flow, layout, queue
from station.steps import Progress
from station.ui.label_preview import LabelPreview
from station.ui.label_printer import PrinterService
from station.ui.ops import Changes, Op, report_error
from station.ui.panels.base import Panel, column, heading, hint
from station.ui.route_box import RouteBox

JOB_STATUS = {"queued": N_("queued"), "printed": N_("printed")}


class LabelPanel(Panel):
    title = N_("Label")  # shown through tr() in the tab
    topics = frozenset({"units", "labels", "devices"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.service = PrinterService(self.ctx, self.devices, self)
        self.service.retried.connect(lambda _d, _l: self.refresh())
        self.rendered: queue.Rendered | None = None
        self.awaiting: str | None = None  # unit whose printed label we wait to see scanned
        self.busy = False
        outer = column(self)
        outer.addWidget(heading(self.tr("Route and label")))
        outer.addWidget(hint(self.tr("Ctrl+P: print / re-print · Alt+L: layout · Alt+K: check the printed label "
                                     "(scan it) · Alt+Q: send queued labels · Enter on a past label: re-print it")))
        bar = QHBoxLayout()
        pick = QLabel(self.tr("&Layout"))
        self.layouts = QComboBox()
        self.layouts.setObjectName("label-layout")
        pick.setBuddy(self.layouts)
        self.layouts.currentIndexChanged.connect(lambda _i: self.refresh())
        self.print_button = QPushButton(self.tr("&Print (Ctrl+P)"))
        self.print_button.clicked.connect(self.print_label)
        self.retry_button = QPushButton(self.tr("Send &queued"))
        self.retry_button.clicked.connect(self.service.retry)
        self.printer_state = QLabel("")
        self.printer_state.setObjectName("printer-state")
        for w in (pick, self.layouts, self.print_button, self.retry_button, self.printer_state):
            bar.addWidget(w)
        bar.addStretch(1)
        outer.addLayout(bar)
        body = QHBoxLayout()
        self.preview = LabelPreview(self.tr("Scan a unit to see its label."))
        self.preview.setStyleSheet("QLabel#label-preview { background: #c8c8c8; }")  # the label's edge shows
        body.addWidget(self.preview, 3)
        side = QVBoxLayout()
        self.route_box = RouteBox(self.ctx, self)
        side.addWidget(self.route_box)
        self.captured = LabelPreview(self.tr("What the simulated printer printed shows here."))
        self.captured.setVisible(False)
        side.addWidget(self.captured, 2)
        check = QLabel(self.tr("Chec&k: scan the printed label"))
        self.scan_box = QLineEdit()
        self.scan_box.setObjectName("scan-back")
        self.scan_box.setPlaceholderText(self.tr("scan the label you just printed"))
        self.scan_box.returnPressed.connect(lambda: self.take_scan(self.scan_box.text()))
        check.setBuddy(self.scan_box)
        side.addWidget(check)
        side.addWidget(self.scan_box)
        self.verdict = QLabel("")
        self.verdict.setObjectName("scanback-result")
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet(
            'QLabel[level="error"] { background: #b00020; color: white; font-size: 15pt; font-weight: 700; '
            "padding: 8px; } "
            'QLabel[level="ok"] { color: #1b5e20; font-weight: 600; } '
            'QLabel[level="warn"] { color: #b35c00; font-weight: 600; }')
        side.addWidget(self.verdict)
        side.addWidget(QLabel(self.tr("Labels of this unit")))
        self.history = QListWidget()
        self.history.setAccessibleName(self.tr("Labels of this unit"))
        self.history.setObjectName("label-history")
        self.history.itemActivated.connect(self._reprint_item)
        side.addWidget(self.history, 1)
        # The route reasons, the printed label and the check stack up on a 800 px screen: the column scrolls
        # rather than make the window taller than the screen.
        column_widget = QWidget()
        column_widget.setLayout(side)
        scroller = QScrollArea()
        scroller.setWidget(column_widget)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body.addWidget(scroller, 2)
        outer.addLayout(body, 1)
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self.print_label)
        self._fill_layouts()

    # -- what is shown --------------------------------------------------------------------
    def _fill_layouts(self) -> None:
        names = sorted(layout.for_config(self.ctx.config))
        self.layouts.blockSignals(True)
        self.layouts.clear()
        self.layouts.addItems(names)
        default = self.ctx.config.get_str("label.layout")
        if default in names:
            self.layouts.setCurrentText(default)
        self.layouts.blockSignals(False)

    def layout_name(self) -> str:
        return self.layouts.currentText() or self.ctx.config.get_str("label.layout")

    def refresh(self) -> None:
        self.route_box.load(self.unit_uid)
        Op(self, self._load, self.unit_uid, self.layout_name()).on("io").success(self._loaded) \
            .failure(self._load_failed).run()

    def _load(self, uid: str | None, name: str) -> tuple[queue.Rendered | None, list[flow.JobRow], int]:
        """Off the GUI thread: the label at the attached printer's DPI, the unit's jobs, the queue length."""
        pending = len(queue.pending(self.ctx))
        if not uid:
            return None, [], pending
        try:
            dpi: int | None = int(self.service.printer().dpi)
        except Exception:  # no printer attached: preview at the layout's own resolution
            dpi = None
        return queue.render_unit(self.ctx, uid, name, dpi), flow.history(self.ctx, uid), pending

    def _loaded(self, result: tuple[queue.Rendered | None, list[flow.JobRow], int]) -> None:
        rendered, jobs, pending = result
        self.printer_state.setText(self.tr("Printer: {printer} · {count} queued").format(
            printer=self.service.printer_label(), count=pending))
        if rendered is None or rendered.uid != self.unit_uid:
            if not self.unit_uid:
                self.rendered = None
                self.preview.set_bitmap(None)
                self.history.clear()
                self._show_captured()
            return  # or the bench moved on while this was rendering
        self.rendered = rendered
        self.preview.set_bitmap(rendered.image)
        tip = self.tr("{layout}\n{width} x {height} dots at {dpi} dpi, shown at {scale}x\nbitmap {sha}")
        self.preview.setToolTip(tip.format(layout=rendered.layout.title, width=rendered.image.width,
                                        height=rendered.image.height, dpi=rendered.dpi, scale=self.preview.scale,
                                        sha=rendered.sha256[:16]))
        self.history.clear()
        for j in jobs:
            status = _(JOB_STATUS.get(j.status, j.status))
            state = status if j.status == "printed" else ngettext(
                "{status}, {count} try", "{status}, {count} tries", j.attempts).format(status=status, count=j.attempts)
            item = QListWidgetItem(f"#{j.id} {j.created_at[:16].replace('T', ' ')}  {j.layout}  {state}")
            item.setData(Qt.ItemDataRole.UserRole, j.layout)
            if j.last_error and j.status != "printed":
                item.setToolTip(j.last_error)
            self.history.addItem(item)
        self._show_captured()

    def _load_failed(self, exc: BaseException) -> None:
        self.rendered = None
        self.preview.set_bitmap(None, str(exc))
        report_error(exc)

    def _show_captured(self) -> None:
        try:
            session: Any = self.service.printer()
        except Exception:
            session = None
        grab = getattr(session, "captured", None)
        # What the printer printed last, shown only once this unit has a label: not the last unit's.
        img = grab() if callable(grab) and self.history.count() else None
        self.captured.setVisible(img is not None)
        if img is not None:
            self.captured.set_bitmap(img)
            self.captured.setToolTip(self.tr("Decoded from the bytes the simulated printer received"))

    # -- printing ---------------------------------------------------------------------------
    def print_label(self, layout_name: str | None = None) -> None:
        if not self.unit_uid or self.busy:
            if not self.unit_uid:
                Changes.hub().message.emit("warn", self.tr("No unit is open: scan the unit first, then print."))
            return
        self.busy = True
        uid, reprint = self.unit_uid, self.history.count() > 0
        self.service.print_unit(uid, layout_name or self.layout_name(), reprint=reprint,
                                done=self._printed, failed=self._print_failed)

    def _printed(self, done: queue.Printed) -> None:
        self.busy = False
        self.awaiting = done.uid
        self.verdict.setProperty("level", "")
        self.verdict.setText(self.tr("Printed. Scan the label to check it."))
        self._restyle()
        Changes.hub().message.emit("ok", done.message + " " + self.tr("Scan it to check."))
        self.scan_box.clear()
        self.scan_box.setFocus()
        self.refresh()

    def _print_failed(self, exc: BaseException) -> None:
        self.busy = False
        report_error(exc)
        self.verdict.setProperty("level", "warn")
        self.verdict.setText(str(exc))
        self._restyle()
        self.refresh()

    def _reprint_item(self, item: QListWidgetItem) -> None:
        self.print_label(str(item.data(Qt.ItemDataRole.UserRole)))

    def handle_command(self, command: str, argument: str | None) -> bool:
        if command == "PRINT":  # CMD:PRINT, and CMD:REPRINT (a repeat scan of a finished unit)
            self.print_label(argument if argument in layout.for_config(self.ctx.config)
                             else None)
            return True
        return False

    # -- scan-back -------------------------------------------------------------------------
    def take_scan(self, text: str) -> bool:
        """A scan while a printed label waits to be checked: compare it and say so. True when taken."""
        expected = self.awaiting or self.unit_uid
        if not expected or not text.strip():
            return False
        Op(self, label_check.check, self.ctx, expected, text).changes("events", "units", "labels").success(
            self._checked).run()
        return True

    def _checked(self, checked: label_check.Checked) -> None:
        result, done = checked.scan, checked.finished
        message, level = result.message, "ok" if result.match else "error"
        if done is not None and done.finished:
            message = " ".join([message, self.tr("Unit {unit} is done.").format(unit=done.uid), *done.messages,
                                self.tr("Scan the next unit.")])
        elif done is not None:  # the label is right; the unit still misses a step
            message = " ".join([message, self.tr("Not finished yet:"), *map(shown, done.blocked)])
        self.verdict.setProperty("level", level)
        self.verdict.setText(message)
        self._restyle()
        Changes.hub().message.emit(level, message)
        if result.match:
            self.awaiting = None
        self.scan_box.selectAll()

    def set_unit(self, uid: str | None) -> None:
        # Another unit: nothing of the last one stays (its unchecked label, its verdict). The
        # scan-back check only ever takes the open unit's own label (see the scan router).
        if uid != self.unit_uid:
            self.awaiting = None
            self.verdict.setProperty("level", "")
            self.verdict.setText("")
            self.scan_box.clear()
            self._restyle()
        super().set_unit(uid)

    def _restyle(self) -> None:
        self.verdict.style().unpolish(self.verdict)
        self.verdict.style().polish(self.verdict)

    def activated(self) -> None:
        super().activated()
        self.print_button.setFocus()

    def arrived(self, progress: Progress) -> None:
        """Route: the route list has the keys. Label: a unit routed and not labelled yet prints at once."""
        if progress.stage == "route":
            self.route_box.focus()
        elif progress.stage == "label" and progress.label == "none" and not self.busy:
            self.print_label()

"""The Wipe panel: every drive and phone on the bench, live, with its guard status and its wipe.

Keys: Enter wipes the selected drive or phone (its plan shown, then a confirmation), A wipes
every eligible drive (one confirmation), S or Delete stops the selected wipe, R restarts an
interrupted one, Insert adds the selected drive to the open unit as one of its media (a phone's
microSD card, a laptop's drive), F5 rescans; Alt+M / Alt+V reach the method and verification.

A unit of several media lists each of them with where its wipe stands above the table, and
its rows are in bold; once one medium is done the next one is selected, and the flow moves on
to Route only when all are (station/unit_media.py combines them).

This file holds the layout, the keys and the open unit; which rows exist lives in
ui/wipe_rows.py (hot-plug, phones, recovery at start) and the work in ui/wipe_jobs.py (plan,
confirm, start, stop, progress, outcome). Rows are "wipe targets" (ui/wipe_targets.py), so a
phone or another kind of target can sit beside the drives.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
)
from typing_extensions import override

from station import unit_media
from station.erase import methods
from station.erase.run import AUTO, PURGE, TargetKind, methods_for
from station.i18n import N_, _, ngettext
from station.steps import Progress
from station.ui import wipe_unit
from station.ui.ops import Changes, Op, report_error
from station.ui.panels.base import Panel, column, heading, hint
from station.ui.table_fit import fit_columns
from station.ui.wipe_jobs import WipeJobs
from station.ui.wipe_model import PROGRESS, PROGRESS_WIDTH, RESULT, SHRINK, ProgressDelegate, WipeTableModel
from station.ui.wipe_rows import WipeRows
from station.ui.wipe_targets import DriveTarget, WipeTarget

_FIRMWARE = {PURGE: N_("The drive's own Purge (sanitize, secure erase, crypto erase), as its firmware supports it; "
                        "refused when it has none."),
             AUTO: N_("Purge where the drive supports it, else Clear by overwrite (NIST SP 800-88).")}
CARD, DRIVE = N_("microSD card"), N_("drive")  # what an attached medium is (English in its event)
RESULT_WORD = N_("SANITIZED")  # a result's first word, readable however narrow the view; the rest reads in the detail


class WipePanel(Panel):
    title = N_("Wipe")  # shown through tr() in the tab
    topics = frozenset({"wipe"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        layout = column(self)
        layout.addWidget(heading(self.tr("Wipe")))
        layout.addWidget(
            hint(
                self.tr(
                    "Enter: wipe the selected drive or phone · A: wipe all eligible · S/Delete: stop · "
                    "R: restart an interrupted wipe · Insert: add the selected drive to this unit · F5: rescan · "
                    "Alt+M method · Alt+V verification"
                )
            )
        )
        layout.addLayout(self._controls())
        # The open unit's media, each with its state: a phone and its card are wiped one by one.
        self.media_line = QLabel("")
        self.media_line.setObjectName("wipe-unit-media")
        self.media_line.setWordWrap(True)
        self.media_line.hide()
        layout.addWidget(self.media_line)
        self.model = WipeTableModel(self)
        self.model.method = self.method_box.currentText()
        self.table = QTableView()
        self.table.setObjectName("wipe-table")
        self.table.setAccessibleName(self.tr("Drives and phones on the bench"))
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(PROGRESS, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        # The selected row in full: a guard's reason or a result is longer than any cell.
        self.detail = QLabel("")
        self.detail.setObjectName("wipe-detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        self.model.dataChanged.connect(lambda *_: self._show_detail())
        self.model.dataChanged.connect(lambda *_: self.fit_columns())
        self.model.rowsInserted.connect(lambda *_: self.fit_columns())
        self.unit: wipe_unit.UnitMedia | None = None  # the open unit's identifiers and media: its rows
        self._attaching: set[tuple[str, str]] = set()  # (unit, card) attachments asked for, asked once
        self.summary = QLabel("")
        self.summary.setObjectName("wipe-summary")
        layout.addWidget(self.summary)
        self.confirm = self._confirm_dialog  # replaceable: tests answer for the technician
        self.rows, self.jobs = WipeRows(self), WipeJobs(self)
        self.rows.watch_hotplug()
        self._bind_keys()
        self.rows.sync()
        self.rows.recover()

    # -- layout and keys ------------------------------------------------------------------
    def _controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.method_box = QComboBox()
        self.method_box.setObjectName("wipe-method")
        for name in methods_for(TargetKind.DRIVE):  # overwrite methods, and the drive's own Purge, and auto
            m = methods.METHODS.get(name)
            self.method_box.addItem(name)
            self.method_box.setItemData(
                self.method_box.count() - 1, _(m.description if m else _FIRMWARE[name]), Qt.ItemDataRole.ToolTipRole
            )
        self.method_box.setCurrentText(self.ctx.config["wipe.default_method"])
        self.method_box.currentTextChanged.connect(self._method_changed)
        self.verify_box = QComboBox()
        self.verify_box.setObjectName("wipe-verify")
        self.verify_box.addItems(list(methods.VERIFY_MODES))
        self.verify_box.setCurrentText(self.ctx.config["wipe.default_verify"])
        for text, buddy in ((self.tr("&Method"), self.method_box), (self.tr("&Verify"), self.verify_box)):
            label = QLabel(text)
            label.setBuddy(buddy)
            row.addWidget(label)
            row.addWidget(buddy)
        row.addStretch(1)
        for text, slot in (
            (self.tr("Wipe selected (Enter)"), self.start_selected),
            (self.tr("Wipe all eligible (A)"), self.start_all),
            (self.tr("Stop (S)"), self.stop_selected),
            (self.tr("Restart (R)"), self.restart_selected),
            (self.tr("Rescan (F5)"), self.rescan),
        ):
            button = QPushButton(text)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys do it; focus stays on the table
            button.clicked.connect(slot)
            row.addWidget(button)
        return row

    def _bind_keys(self) -> None:
        for keys, slot in (
            (("Return", "Enter"), self.start_selected),
            (("A",), self.start_all),
            (("S", "Delete"), self.stop_selected),
            (("R",), self.restart_selected),
            (("F5",), self.rescan),
        ):
            for key in keys:
                sc = QShortcut(QKeySequence(key), self)
                sc.activated.connect(slot)
                sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        attach = QShortcut(QKeySequence(Qt.Key.Key_Insert), self)  # a unit's further medium
        attach.activated.connect(self.attach_selected)
        attach.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _method_changed(self, text: str) -> None:
        self.model.method = text
        self.model.refresh_all()

    def fit_columns(self) -> None:
        """Columns sized to their content, Progress fixed. When the view is too narrow the Result gives way
        first, down to its status word (the whole result is in the detail line), then the columns in SHRINK."""
        fit_columns(
            self.table,
            fixed={PROGRESS: PROGRESS_WIDTH},
            shrink=[RESULT, *SHRINK],
            floors={RESULT: self.table.fontMetrics().horizontalAdvance(_(RESULT_WORD)) + 16},
        )

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    # -- the open unit ----------------------------------------------------------------------
    def activated(self) -> None:
        super().activated()
        self.table.setFocus()
        self._select_default()

    def _select_default(self) -> None:
        if not self.select_unit() and self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    @property
    def unit_ids(self) -> set[str]:
        return self.unit.ids if self.unit is not None else set()

    def set_unit(self, uid: str | None) -> None:
        if uid != self.unit_uid:
            self.unit = None
            self._show_media()
            if uid:
                self.load_unit(uid)
        super().set_unit(uid)

    def load_unit(self, uid: str, *, moved: bool = False) -> None:
        """Read the unit's identifiers and media again; `moved`: a medium just finished, select the next one."""
        Op(self, wipe_unit.load, self.ctx, uid).success(lambda got: self._unit_loaded(got, moved)).run()

    def _unit_loaded(self, loaded: wipe_unit.UnitMedia, moved: bool = False) -> None:
        if loaded.uid != self.unit_uid:
            return
        self.unit = loaded
        self._show_media()
        self.select_unit(moved=moved)
        if moved and self.isVisible():
            self.window().activateWindow()  # the next medium's Enter comes here, whatever dialog the last one showed
            self.table.setFocus()
        if moved and loaded.media and not all(m.sanitized for m in loaded.media):
            target = self.selected()
            medium = wipe_unit.medium_of(loaded, target)
            if medium is not None and medium.status is None and target is not None:
                self.say("info", self.tr("Next medium of this unit: {medium} ({device}). Enter wipes it.").format(
                    medium=medium.label, device=target.facts().port or target.label))
        self._attach_card()

    def select_unit(self, *, moved: bool = False) -> bool:
        return wipe_unit.select_unit_row(self.table, self.model, self.unit, moved=moved)

    def _show_media(self) -> None:
        """The unit's media line, and its rows in bold."""
        unit = self.unit
        self.model.set_bold({self.model.targets[r].id for r in wipe_unit.unit_rows(self.model, unit)})
        if unit is None or not unit.media:
            self.media_line.hide()
            return
        states = [f"{m.label}: {self._medium_state(m)}" for m in unit.media]
        self.media_line.setText(ngettext("Unit {uid}, {count} medium: ", "Unit {uid}, {count} media: ",
                                         len(states)).format(uid=unit.uid, count=len(states)) + " · ".join(states))
        self.media_line.show()

    def _medium_state(self, m: unit_media.Medium) -> str:
        if m.running:
            return self.tr("wiping")
        if m.status is None:
            return self.tr("not wiped yet")
        words = {"sanitized": self.tr("SANITIZED"), "failed": self.tr("FAILED"),
                 "interrupted": self.tr("INTERRUPTED"), "aborted": self.tr("STOPPED")}.get(m.status, m.status)
        how = " ".join(x for x in (m.method, f"({m.method_type})" if m.method_type else "") if x)
        checked = {True: self.tr("verified"), False: self.tr("verification FAILED")}.get(m.verified, "")  # type: ignore[arg-type]
        return ", ".join(x for x in (words, how, checked) if x)

    def attach_selected(self) -> None:
        """Insert: the selected drive is one of the open unit's media (a phone's card, a laptop's drive)."""
        target = self.selected()
        if not self.unit_uid:
            self.say("warn", self.tr("Open a unit first (scan it), then add its drive with Insert."))
            return
        if not isinstance(target, DriveTarget):
            self.say("warn", self.tr("Select the drive or card reader row of this unit's medium, then press Insert."))
            return
        f = target.drive.facts
        self._attach(self.unit_uid, f.serial or "", DRIVE, f.model)

    def _attach(self, uid: str, serial: str, what: str, model: str) -> None:
        def attached(got: wipe_unit.UnitMedia) -> None:
            self.say("ok", self.tr("{what} {serial} is a medium of unit {uid}: wipe it too before the unit is done.")
                     .format(what=_(what)[:1].upper() + _(what)[1:], serial=serial, uid=uid))
            self._unit_loaded(got)

        Op(self, wipe_unit.attach, self.ctx, uid, serial, what, model).on("db").changes("units").success(
            attached).failure(report_error).run()

    def _attach_card(self) -> None:
        """A phone that tells its microSD card's serial, with a reader's row of that serial: the card is its medium."""
        card = wipe_unit.card_to_attach(self.model, self.unit)
        if card is None or self.unit is None or (self.unit.uid, card[0]) in self._attaching:
            return
        self._attaching.add((self.unit.uid, card[0]))
        self._attach(self.unit.uid, card[0], CARD, card[1])

    @override
    def arrived(self, progress: Progress) -> None:
        self.table.setFocus()
        self.select_unit()

    def _show_detail(self) -> None:
        target = self.selected()
        if target is None:
            self.detail.setText("")
            return
        f, snap = target.facts(), target.snapshot()
        ident = " · ".join(
            x
            for x in (
                f.model,
                self.tr("IMEI {imei}").format(imei=f.extra["imei"]) if f.extra.get("imei") else "",
                self.tr("serial {serial}").format(serial=f.serial) if f.serial else "",
            )
            if x
        )
        self.detail.setText(f"{target.label}: {ident}\n{f.guard}" + (f"\n{snap.result}" if snap.result else ""))

    def rows_changed(self) -> None:
        """The rows were synced with the devices (wipe_rows): the unit's row selected, the summary anew."""
        self._select_default()
        self._show_media()
        self._attach_card()
        self.update_summary()

    def update_summary(self) -> None:
        targets = self.model.targets
        drives = sum(1 for t in targets if isinstance(t, DriveTarget))
        parts = [ngettext("{count} drive", "{count} drives", drives).format(count=drives)]
        if len(targets) > drives:
            parts.append(
                ngettext("{count} phone", "{count} phones", len(targets) - drives).format(count=len(targets) - drives)
            )
        eligible = sum(1 for t in targets if t.eligible())
        running = sum(1 for t in targets if t.snapshot().running)
        parts += [self.tr("{count} eligible").format(count=eligible), self.tr("{count} wiping").format(count=running)]
        self.summary.setText(" · ".join(parts))

    def refresh(self) -> None:
        self.rescan()

    @override
    def handle_command(self, command: str, argument: str | None) -> bool:
        """CMD:WIPE (documented on the command sheet): wipe the selected row, the open unit's device."""
        if command != "WIPE":
            return False
        self.select_unit()
        self.start_selected()
        return True

    # -- the work (ui/wipe_jobs.py) and the rows (ui/wipe_rows.py) -----------------------------
    def selected(self) -> WipeTarget | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.target(rows[0].row()) if rows else None

    def start_selected(self) -> None:
        self.jobs.start_selected()

    def start_all(self) -> None:
        self.jobs.start_all()

    def stop_selected(self) -> None:
        self.jobs.stop_selected()

    def restart_selected(self) -> None:
        self.jobs.restart_selected()

    def rescan(self) -> None:
        self.rows.rescan()

    # -- talking to the technician ------------------------------------------------------------
    def _confirm_dialog(self, question: str) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Erase drives"),
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def say(self, level: str, text: str) -> None:
        Changes.hub().message.emit(level, text)

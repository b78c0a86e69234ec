"""The Wipe panel: every drive on the bench, live, with its guard status and its wipe.

Keys: Enter wipes the selected drive or phone (after a confirmation), A wipes every
eligible drive (one confirmation), S or Delete stops the selected wipe, R restarts an
interrupted one, F5 rescans; Alt+M / Alt+V reach the method and verification.

Drives appear and vanish live: the kernel's hot-plug events (through the drive
driver's monitor) trigger a rescan. Each wipe runs in its own worker process; this
panel only polls their progress files (~100 ms) and records the outcome when one
ends, whichever panel is on screen. Rows are "wipe targets" (ui/wipe_targets.py), so a
phone or another kind of target can sit beside the drives.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QSocketNotifier, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
)

from station.devices.drive.discover import Drive
from station.devices.drives import DriveSession
from station.erase import jobs, methods
from station.erase.guard import Verdict
from station.erase.result import MediaFacts
from station.erase.run import AUTO, PURGE, RunPlan, TargetKind, methods_for
from station.errors import DeviceError
from station.steps import Progress
from station.ui import wipe_unit
from station.ui.ops import Changes, Op, report_error
from station.ui.panels.base import Panel, column, heading, hint
from station.ui.wipe_model import COLUMNS, PROGRESS_WIDTH, ProgressDelegate, WipeTableModel
from station.ui.wipe_phone_target import PhoneTarget, sync_phone_rows
from station.ui.wipe_targets import DriveTarget, WipeTarget, plan_text, result_words

_FIRMWARE = {PURGE: "The drive's own Purge (sanitize, secure erase, crypto erase), as its firmware supports it; "
                     "refused when it has none.",
             AUTO: "Purge where the drive supports it, else Clear by overwrite (NIST SP 800-88)."}
POLL_MS = 100
RESCAN_DEBOUNCE_MS = 150
RESCAN_EVERY_MS = 5000  # mounts make no uevent, demo bays none at all: a light rescan while shown


class WipePanel(Panel):
    title = "Wipe"
    topics = frozenset({"wipe"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        layout = column(self)
        layout.addWidget(heading("Wipe"))
        layout.addWidget(hint("Enter: wipe the selected drive · A: wipe all eligible · S/Delete: stop · "
                              "R: restart an interrupted wipe · F5: rescan · Alt+M method · Alt+V verification"))
        layout.addLayout(self._controls())
        self.model = WipeTableModel(self)
        self.model.method = self.method_box.currentText()
        self.table = QTableView()
        self.table.setObjectName("wipe-table")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(COLUMNS.index("Progress"), ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Progress"), QHeaderView.ResizeMode.Fixed)
        header.resizeSection(COLUMNS.index("Progress"), PROGRESS_WIDTH)
        header.setSectionResizeMode(COLUMNS.index("Result"), QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        layout.addWidget(self.table, 1)
        # The selected row in full: a guard's reason or a result is longer than any cell.
        self.detail = QLabel("")
        self.detail.setObjectName("wipe-detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        self.model.dataChanged.connect(lambda *_: self._show_detail())
        self.unit_ids: set[str] = set()  # the open unit's IMEI, serial...: its row is selected
        self.summary = QLabel("")
        self.summary.setObjectName("wipe-summary")
        layout.addWidget(self.summary)
        self.confirm = self._confirm_dialog  # replaceable: tests answer for the technician
        self.poll = QTimer(self, interval=POLL_MS)
        self.poll.timeout.connect(self._tick)
        self.debounce = QTimer(self, singleShot=True, interval=RESCAN_DEBOUNCE_MS)
        self.debounce.timeout.connect(self.rescan)
        self.periodic = QTimer(self, interval=RESCAN_EVERY_MS)
        self.periodic.timeout.connect(self._periodic_rescan)
        self._notifier: QSocketNotifier | None = None
        self._monitor = None
        self._watch_hotplug()
        self._bind_keys()
        self._sync_rows()
        Op(self, self._recover_work).on("db").changes("wipe", "units").success(self._recovered).run()

    # -- layout and keys ------------------------------------------------------------------
    def _controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.method_box = QComboBox()
        self.method_box.setObjectName("wipe-method")
        for name in methods_for(TargetKind.DRIVE):  # overwrite methods, and the drive's own Purge, and auto
            m = methods.METHODS.get(name)
            self.method_box.addItem(name)
            self.method_box.setItemData(self.method_box.count() - 1, m.description if m else _FIRMWARE[name],
                                        Qt.ItemDataRole.ToolTipRole)
        self.method_box.setCurrentText(self.ctx.config["wipe.default_method"])
        self.method_box.currentTextChanged.connect(self._method_changed)
        self.verify_box = QComboBox()
        self.verify_box.setObjectName("wipe-verify")
        self.verify_box.addItems(list(methods.VERIFY_MODES))
        self.verify_box.setCurrentText(self.ctx.config["wipe.default_verify"])
        for text, buddy in (("&Method", self.method_box), ("&Verify", self.verify_box)):
            label = QLabel(text)
            label.setBuddy(buddy)
            row.addWidget(label)
            row.addWidget(buddy)
        row.addStretch(1)
        for text, slot in (("Wipe selected (Enter)", self.start_selected), ("Wipe all eligible (A)", self.start_all),
                           ("Stop (S)", self.stop_selected), ("Restart (R)", self.restart_selected),
                           ("Rescan (F5)", self.rescan)):
            button = QPushButton(text)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys do it; focus stays on the table
            button.clicked.connect(slot)
            row.addWidget(button)
        return row

    def _bind_keys(self) -> None:
        for keys, slot in ((("Return", "Enter"), self.start_selected), (("A",), self.start_all),
                           (("S", "Delete"), self.stop_selected), (("R",), self.restart_selected),
                           (("F5",), self.rescan)):
            for key in keys:
                sc = QShortcut(QKeySequence(key), self)
                sc.activated.connect(slot)
                sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _method_changed(self, text: str) -> None:
        self.model.method = text
        self.model.refresh_all()

    def activated(self) -> None:
        super().activated()
        self.table.setFocus()
        if not self._select_unit() and self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def set_unit(self, uid: str | None) -> None:
        if uid != self.unit_uid:
            self.unit_ids = set()
            if uid:
                Op(self, wipe_unit.load_ids, self.ctx, uid).success(self._unit_ids).run()
        super().set_unit(uid)

    def _unit_ids(self, loaded: tuple[str, set[str]]) -> None:
        uid, ids = loaded
        if uid == self.unit_uid:
            self.unit_ids = ids
            self._select_unit()

    def _select_unit(self) -> bool:
        return wipe_unit.select_unit_row(self.table, self.model, self.unit_ids)

    def arrived(self, progress: Progress) -> None:
        self.table.setFocus()
        self._select_unit()

    def _show_detail(self) -> None:
        target = self.selected()
        if target is None:
            self.detail.setText("")
            return
        f, snap = target.facts(), target.snapshot()
        ident = " · ".join(x for x in (f.model, f"IMEI {f.extra['imei']}" if f.extra.get("imei") else "",
                                        f"serial {f.serial}" if f.serial else "") if x)
        self.detail.setText(f"{target.label}: {ident}\n{f.guard}" + (f"\n{snap.result}" if snap.result else ""))

    # -- drives appearing and leaving ------------------------------------------------------
    def _watch_hotplug(self) -> None:
        driver = next(iter(self.devices.drivers("drive")), None)
        monitor = driver.monitor() if driver is not None and hasattr(driver, "monitor") else None
        self.periodic.start()
        if monitor is None:
            return
        self._monitor = monitor
        self._notifier = QSocketNotifier(monitor.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_uevent)

    def _on_uevent(self, *_: Any) -> None:
        if self._monitor is not None and self._monitor.drain():
            self.debounce.start()  # a plug makes several events: rescan once they settle

    def _periodic_rescan(self) -> None:
        if self.isVisible():
            self.rescan()

    def rescan(self) -> None:
        Op(self, self._scan).on("io").changes("devices").success(lambda _found: self._sync_rows()).run()

    def _scan(self) -> None:
        for kind in ("drive", "phone"):  # the kinds that have rows here
            self.devices.scan(kind)

    def refresh(self) -> None:
        self.rescan()

    def _sync_rows(self) -> None:
        seen = set()
        for info in self.devices.devices("drive"):
            try:
                session = self.devices.session_for(info)
            except DeviceError:
                continue
            if not isinstance(session, DriveSession):
                continue
            drive, verdict = session.drive, session.verdict
            seen.add(drive.identity)
            row = self.model.row_of(drive.identity)
            if row < 0:
                self.model.add(DriveTarget(drive, verdict))
            else:
                target = self.model.target(row)
                if isinstance(target, DriveTarget):
                    target.update(drive, verdict)
                self.model.refresh_row(row)
        for row in reversed(range(self.model.rowCount())):
            target = self.model.target(row)
            if isinstance(target, DriveTarget) and target.id not in seen:
                if target.handle is None and not target.interrupted_job:
                    self.model.remove(row)  # gone, and nothing to report about it
                else:
                    target.connected = False
                    self.model.refresh_row(row)
        sync_phone_rows(self.devices, self.model)  # phones sit beside the drives
        wipe_unit.identify_phones(self, self.devices, self.model, self._select_unit)
        if not self._select_unit() and self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self._update_summary()

    def _update_summary(self) -> None:
        targets = self.model.targets
        drives = sum(1 for t in targets if isinstance(t, DriveTarget))
        phones = f" · {len(targets) - drives} phone(s)" if len(targets) > drives else ""
        eligible = sum(1 for t in targets if t.eligible())
        running = sum(1 for t in targets if t.snapshot().running)
        self.summary.setText(f"{drives} drive(s){phones} · {eligible} eligible · {running} wiping")

    def handle_command(self, command: str, argument: str | None) -> bool:
        """CMD:WIPE (documented on the command sheet): wipe the selected row, the open unit's device."""
        if command != "WIPE":
            return False
        self._select_unit()
        self.start_selected()
        return True

    # -- starting, stopping, restarting -----------------------------------------------------
    def selected(self) -> WipeTarget | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.target(rows[0].row()) if rows else None

    def start_selected(self) -> None:
        target = self.selected()
        if target is None:
            self._say("warn", "Select a drive first (arrow keys).")
            return
        if not target.eligible():
            self._say("error", f"{target.label} cannot be wiped: {target.facts().guard}.")
            return
        if target.snapshot().result.startswith("SANITIZED") and not self.confirm(
                f"{target.label} is already sanitized. Erase it AGAIN?"):
            return
        method, verify = self.method_box.currentText(), self.verify_box.currentText()
        if isinstance(target, DriveTarget):  # the planner's plan for this drive first, then the question
            Op(self, target.plan, self.ctx, method, verify).on("io").success(
                lambda p: self._confirm_plan(target, method, verify, p)).failure(report_error).run()
            return
        if self.confirm(f"Erase ALL data on {target.label} with a {target.snapshot().method}?\n"
                        "This cannot be undone."):
            self._start(target, method, verify)

    def _confirm_plan(self, target: DriveTarget, method: str, verify: str, plan: RunPlan) -> None:
        text = plan_text(plan)
        self.detail.setText(f"{target.label}, method '{method}':\n{text}")
        if not plan.ok:
            self._say("error", f"{target.label}: {plan.refusal}. Nothing was erased; choose another method (Alt+M).")
            return
        if self.confirm(f"Erase ALL data on {target.label} with '{method}' (verify {verify})?\n\n{text}\n\n"
                        "This cannot be undone."):
            self._start(target, method, verify)

    def start_all(self) -> None:
        # Drives only: a phone's reset asks the technician for steps, so phones start one by one.
        targets = [t for t in self.model.targets if isinstance(t, DriveTarget) and t.eligible()]
        if not targets:
            self._say("warn", "No eligible drive to wipe.")
            return
        method, verify = self.method_box.currentText(), self.verify_box.currentText()
        names = "\n".join(f"  {t.facts().port}  {t.label}" for t in targets)
        if self.confirm(f"Erase ALL data on these {len(targets)} drive(s) with '{method}' (verify {verify})?\n"
                        f"{names}\nThis cannot be undone."):
            for t in targets:
                self._start(t, method, verify)

    def restart_selected(self) -> None:
        target = self.selected()
        if not isinstance(target, DriveTarget) or not target.interrupted_job:
            self._say("warn", "Select an interrupted wipe to restart it.")
            return
        if not target.connected:
            self._say("error", f"Connect {target.label} to restart its wipe.")
            return
        if self.confirm(f"Restart the interrupted wipe of {target.label}?\nThis erases ALL data on it."):
            self._start(target, target.method or self.method_box.currentText(), self.verify_box.currentText())

    def stop_selected(self) -> None:
        target = self.selected()
        if target is not None and target.snapshot().running:
            target.stop()
            self._say("warn", f"Stopping the wipe of {target.label}; it is NOT erased.")

    def _start(self, target: WipeTarget, method: str, verify: str) -> None:
        Op(self, target.start, self.ctx, method, verify).on("db").changes("wipe", "units").success(
            lambda _r: self._started(target)).failure(lambda exc: self._start_failed(target, exc)).run()

    def _started(self, target: WipeTarget) -> None:
        self._say("info", f"Wiping {target.label}.")
        self.poll.start()
        self._refresh_target(target)

    def _start_failed(self, target: WipeTarget, exc: BaseException) -> None:
        report_error(exc)
        self._refresh_target(target)

    # -- progress and outcome -----------------------------------------------------------------
    def _tick(self) -> None:
        busy = False
        for row, target in enumerate(list(self.model.targets)):
            snap = self.model.refresh_row(row)
            if target.needs_finish():
                Op(self, target.finish, self.ctx).on("db").changes("wipe", "units", "events").success(
                    functools.partial(self._finished, target)).failure(report_error).run()
                busy = True
            if isinstance(target, PhoneTarget) and target.ended_unrecorded():
                Changes.hub().changed.emit({"wipe", "units"})  # its pre-check recorded a block on the unit
            busy = busy or snap.running
        if not busy:
            self.poll.stop()
        self._update_summary()

    def _finished(self, target: WipeTarget, finished: jobs.Finished) -> None:
        if isinstance(target, DriveTarget):
            target.finished_with(finished)
        words, level = result_words(finished)
        self._say({"ok": "ok", "error": "error"}.get(level, "warn"), f"{target.label}: {words}")
        self._refresh_target(target)

    def _refresh_target(self, target: WipeTarget) -> None:
        row = self.model.row_of(target.id)
        if row >= 0:
            self.model.refresh_row(row)
        self._update_summary()

    # -- recovery at start ---------------------------------------------------------------------
    def _recover_work(self) -> tuple[jobs.Recovery, list[Any]]:
        return jobs.recover(self.ctx), jobs.interrupted(self.ctx)

    def _recovered(self, outcome: tuple[jobs.Recovery, list[Any]]) -> None:
        recovery, cut_off = outcome
        for handle in recovery.running:
            self._target_for(handle.identity, handle.path).attach(handle, handle.method)
            self.poll.start()
        for row in cut_off:
            target = self._target_for(row.serial or row.device, row.device, row.model, row.size_bytes)
            if target.handle is None:
                target.interrupted_job, target.method = row.id, row.method
        if cut_off:
            self._say("warn", f"{len(cut_off)} wipe(s) were cut off when the station stopped; "
                              "those drives are NOT erased. Select one and press R to restart.")
        self.model.refresh_all()
        self._update_summary()

    def _target_for(self, identity: str, path: str, model: str | None = None, size: int = 0) -> DriveTarget:
        row = self.model.row_of(identity)
        target = self.model.target(row) if row >= 0 else None
        if isinstance(target, DriveTarget):
            return target
        ghost = Drive(name=path.rsplit("/", 1)[-1], path=path, sys_path="",
                      facts=MediaFacts(path=path, model=model or "", serial=identity, size_bytes=size))
        target = DriveTarget(ghost, Verdict(False, ("not connected",)))
        target.connected = False
        self.model.add(target)
        return target

    # -- talking to the technician ------------------------------------------------------------
    def _confirm_dialog(self, question: str) -> bool:
        answer = QMessageBox.question(self, "Erase drives", question, QMessageBox.StandardButton.Yes |
                                      QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _say(self, level: str, text: str) -> None:
        Changes.hub().message.emit(level, text)

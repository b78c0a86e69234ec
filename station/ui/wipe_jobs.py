"""The Wipe panel's work: starting a wipe after its plan was shown and confirmed, stopping and
restarting one, polling progress (~100 ms) and recording the outcome when a wipe ends.

Every start shows the planner's plan first (station.erase.run.WipeRun.plan(): the commands or
passes that will run and why, or the refusal and its reason), for a drive and for a phone, and
only then asks. Each drive wipe runs in its own worker process or as the drive's own Purge; a
phone's reset in a thread of its own. The outcome is recorded whichever panel is on screen.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from station.erase import jobs
from station.erase.run import RunPlan
from station.i18n import _, ngettext, shown
from station.ui.ops import Changes, Op, report_error
from station.ui.wipe_phone_target import PhoneTarget
from station.ui.wipe_targets import DriveTarget, WipeTarget, plan_text, result_words

if TYPE_CHECKING:
    from station.ui.panels.wipe import WipePanel

POLL_MS = 100


class WipeJobs(QObject):
    def __init__(self, panel: WipePanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.poll = QTimer(self, interval=POLL_MS)
        self.poll.timeout.connect(self._tick)

    def _choices(self) -> tuple[str, str]:
        return self.panel.method_box.currentText(), self.panel.verify_box.currentText()

    # -- starting, stopping, restarting -----------------------------------------------------
    def start_selected(self) -> None:
        panel, target = self.panel, self.panel.selected()
        if target is None:
            panel.say("warn", _("Select a drive or a phone first (arrow keys)."))
            return
        if not target.eligible():
            panel.say("error", _("{device} cannot be wiped: {reason}.").format(device=target.label,
                                                                               reason=target.facts().guard))
            return
        if target.snapshot().result.startswith(_("SANITIZED")) and not panel.confirm(
                _("{device} is already sanitized. Erase it AGAIN?").format(device=target.label)):
            return
        method, verify = self._choices()
        # The plan first (the planner may ask the drive: off the GUI thread), then the question.
        Op(panel, target.plan, panel.ctx, method, verify).on("io").success(
            lambda p: self._confirm_plan(target, verify, p)).failure(report_error).run()

    def _confirm_plan(self, target: WipeTarget, verify: str, plan: RunPlan) -> None:
        panel, text = self.panel, plan_text(plan)
        method = plan.method
        panel.detail.setText(_("{device}, method '{method}':").format(device=target.label, method=method) + f"\n{text}")
        if not plan.ok:
            panel.say("error", _("{device}: {refusal}. Nothing was erased; choose another method (Alt+M).").format(
                device=target.label, refusal=shown(plan.refusal)))
            return
        question = (
            _("Erase ALL data on {device} with '{method}' (verify {verify})?")
            if isinstance(target, DriveTarget)
            else _("Erase ALL data on {device} with '{method}'?")
        )
        if panel.confirm(
            question.format(device=target.label, method=method, verify=verify)
            + f"\n\n{text}\n\n"
            + _("This cannot be undone.")
        ):
            self.start(target, method, verify)

    def start_all(self) -> None:
        # Drives only: a phone's reset asks the technician for steps, so phones start one by one.
        targets = [t for t in self.panel.model.targets if isinstance(t, DriveTarget) and t.eligible()]
        if not targets:
            self.panel.say("warn", _("No eligible drive to wipe."))
            return
        method, verify = self._choices()
        names = "\n".join(f"  {t.facts().port}  {t.label}" for t in targets)
        question = ngettext(
            "Erase ALL data on this {count} drive with '{method}' (verify {verify})?",
            "Erase ALL data on these {count} drives with '{method}' (verify {verify})?",
            len(targets),
        )
        if self.panel.confirm(
            question.format(count=len(targets), method=method, verify=verify)
            + f"\n{names}\n"
            + _("This cannot be undone.")
        ):
            for t in targets:
                self.start(t, method, verify)

    def restart_selected(self) -> None:
        target = self.panel.selected()
        if not isinstance(target, DriveTarget) or not target.interrupted_job:
            self.panel.say("warn", _("Select an interrupted wipe to restart it."))
            return
        if not target.connected:
            self.panel.say("error", _("Connect {device} to restart its wipe.").format(device=target.label))
            return
        if self.panel.confirm(
            _("Restart the interrupted wipe of {device}?\nThis erases ALL data on it.").format(device=target.label)
        ):
            method, verify = self._choices()
            self.start(target, target.method or method, verify)

    def stop_selected(self) -> None:
        target = self.panel.selected()
        if target is not None and target.snapshot().running:
            target.stop()
            self.panel.say("warn", _("Stopping the wipe of {device}; it is NOT erased.").format(device=target.label))

    def start(self, target: WipeTarget, method: str, verify: str) -> None:
        Op(self.panel, target.start, self.panel.ctx, method, verify).on("db").changes("wipe", "units").success(
            lambda _r: self._started(target)
        ).failure(lambda exc: self._start_failed(target, exc)).run()

    def _started(self, target: WipeTarget) -> None:
        self.panel.say("info", _("Wiping {device}.").format(device=target.label))
        self.poll.start()
        self._refresh(target)

    def _start_failed(self, target: WipeTarget, exc: BaseException) -> None:
        report_error(exc)
        self._refresh(target)

    # -- progress and outcome -----------------------------------------------------------------
    def _tick(self) -> None:
        busy, model = False, self.panel.model
        for row, target in enumerate(list(model.targets)):
            snap = model.refresh_row(row)
            if target.needs_finish():
                Op(self.panel, target.finish, self.panel.ctx).on("db").changes("wipe", "units", "events").success(
                    functools.partial(self._finished, target)
                ).failure(report_error).run()
                busy = True
            if isinstance(target, PhoneTarget) and target.ended_unrecorded():
                Changes.hub().changed.emit({"wipe", "units"})  # its pre-check recorded a block on the unit
            busy = busy or snap.running
        if not busy:
            self.poll.stop()
        self.panel.update_summary()

    def _finished(self, target: WipeTarget, finished: jobs.Finished) -> None:
        if isinstance(target, DriveTarget):
            target.finished_with(finished)
        words, level = result_words(finished)
        self.panel.say({"ok": "ok", "error": "error"}.get(level, "warn"), f"{target.label}: {words}")
        self._refresh(target)
        if self.panel.unit_uid and finished.unit_uid == self.panel.unit_uid:
            self.panel.load_unit(self.panel.unit_uid, moved=True)  # the unit's next medium, if it has one

    def _refresh(self, target: WipeTarget) -> None:
        row = self.panel.model.row_of(target.id)
        if row >= 0:
            self.panel.model.refresh_row(row)
        self.panel.update_summary()

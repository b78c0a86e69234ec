"""Every scan, from any scanner, to workflow.on_scan() and its outcome onto the screen.

Sources: serial scanners (QSocketNotifier adapter), keyboard-wedge scanners (the
application event filter) and the Intake panel's entry line. Scans are handled one at
a time, in order, on the database executor, so "scan unit, then CMD:FINISH" can never
finish the previous unit. The outcome then: cue (sound + banner flash), status line,
the Intake panel's verdict and row, and
- a unit: becomes the bench's current unit (a finished one asks re-print / re-process);
- a command barcode: switch to its panel and `panel.handle_command(cmd, arg)`;
- CMD:NEXT / CMD:FINISH: the workflow's answer (next step, or finished / blocked);
- a badge: signed in (Ctrl+L signs in by PIN, Ctrl+Shift+L signs out).
"""

from __future__ import annotations

import logging
from collections import deque

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QInputDialog, QMainWindow, QMessageBox

from station import label_check, operators, workflow
from station.history_words import class_word, stage_word
from station.i18n import shown
from station.ui.ops import Changes, Op, report_error
from station.ui.panels.base import Panel
from station.ui.panels.intake import IntakePanel
from station.ui.panels.label import LabelPanel
from station.ui.scanner_cue import ScanCue, cue_style, flash
from station.ui.scanner_serial import SerialScannerAdapter
from station.ui.scanner_wedge import WedgeFilter
from station.ui.signin import SignInDialog
from station.unit_view import UnitView
from station.workflow import ScanOutcome

log = logging.getLogger(__name__)
_LEVEL = {"good": "ok", "bad": "error", "repeat": "info"}


class ScanRouter(QObject):
    handled = Signal(object)  # ScanOutcome, once it is on screen (tests and the latency benchmark wait on it)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx  # type: ignore[attr-defined]
        config = self.ctx.config
        self.cue = ScanCue(config, self)
        banner = window.banner  # type: ignore[attr-defined]
        banner.setStyleSheet(cue_style("QLabel#unit-banner"))
        self.cue.cued.connect(lambda cue: flash(banner, cue))
        self.serial = SerialScannerAdapter(window.devices, self)  # type: ignore[attr-defined]
        self.serial.scanned.connect(lambda text, _source: self.submit(text))
        self.wedge: WedgeFilter | None = None
        if config["scanner.wedge_enabled"]:
            self.wedge = WedgeFilter(window, config)
            app = QApplication.instance()
            assert app is not None
            app.installEventFilter(self.wedge)
            self.wedge.scanned.connect(self.submit)
        self.intake.scan_entered.connect(self.submit)
        QShortcut(QKeySequence("Ctrl+L"), window).activated.connect(self.sign_in)
        QShortcut(QKeySequence("Ctrl+Shift+L"), window).activated.connect(lambda: self.submit("CMD:SIGNOUT"))
        self._queue: deque[str] = deque()
        self._busy = False
        self._asked_label: str | None = None  # the unit whose FINISH asked for its label's check
        self.question: QMessageBox | None = None
        self.override: QInputDialog | None = None
        self.signin: SignInDialog | None = None
        if self.ctx.demo:
            Op(self, operators.ensure_demo_operators, self.ctx).success(self._demo_ready).run()

    @property
    def label(self) -> LabelPanel:
        return next(p for p in self.window.panels if isinstance(p, LabelPanel))  # type: ignore[attr-defined]

    @property
    def intake(self) -> IntakePanel:
        return next(p for p in self.window.panels if isinstance(p, IntakePanel))  # type: ignore[attr-defined]

    def panel_for(self, step: str | None) -> Panel | None:
        panels: list[Panel] = self.window.panels  # type: ignore[attr-defined]
        return next((p for p in panels if p.title.lower() == (step or "")), None)

    def _current_step(self) -> str:
        return str(self.window.tabs.currentWidget().title).lower()  # type: ignore[attr-defined]

    # -- scans in -----------------------------------------------------------------------------
    def submit(self, text: str) -> None:
        if self._intercepted(text):
            return
        self._queue.append(text)
        self._pump()

    def _intercepted(self, text: str) -> bool:
        """A scan that answers an open question goes there, not to intake: a lot being filled
        in its dialog, or the open unit's own label just printed (its scan-back check). Any
        other scan, on any panel, goes to intake: another unit's label or IMEI opens that unit."""
        modal = QApplication.activeModalWidget()
        if modal is not None and hasattr(modal, "handle_scan"):
            modal.handle_scan(text)
            return True
        label = self.label
        uid = self.window.unit_uid  # type: ignore[attr-defined]
        if label.awaiting == uid and label_check.is_label_of(text, uid, self.ctx.config):
            self.show_step("label")
            return label.take_scan(text)
        return False

    def _pump(self) -> None:
        if self._busy or not self._queue:
            return
        self._busy = True
        text = self._queue.popleft()
        intake = self.intake
        uid = getattr(self.window, "unit_uid", None)
        # CMD:FINISH right after "the label was printed but not checked" finishes without the check.
        unchecked = self._asked_label is not None and self._asked_label == uid
        self._asked_label = None
        Op(self, workflow.on_scan, self.ctx, text, current_uid=uid,
           current_step=self._current_step(), expect=intake.expecting(),
           defaults=intake.batch_defaults(), finish_unchecked=unchecked,
           drive_serials=self._drive_serials()).success(self._apply).failure(self._failed).run()

    def _drive_serials(self) -> frozenset[str]:
        """The serials of the drives on the bench (the Wipe panel's rows): scanning one opens a drive unit."""
        from station.ui.panels.wipe import WipePanel
        from station.ui.wipe_targets import DriveTarget

        panel = next((p for p in self.window.panels if isinstance(p, WipePanel)), None)  # type: ignore[attr-defined]
        if panel is None:
            return frozenset()
        return frozenset((t.drive.facts.serial or "").upper() for t in panel.model.targets
                         if isinstance(t, DriveTarget) and t.connected and t.drive.facts.serial)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.cue.play("bad")
        report_error(exc)
        self._pump()

    # -- outcomes out -------------------------------------------------------------------------
    def _apply(self, outcome: ScanOutcome) -> None:
        self._busy = False
        try:
            self._show(outcome)
        except Exception as exc:  # a panel's handler failing must not stop the scanner
            report_error(exc)
        finally:
            self.handled.emit(outcome)
            self._pump()

    def _show(self, o: ScanOutcome) -> None:
        Changes.hub().message.emit(_LEVEL.get(o.cue, "info"), o.message)
        self.cue.play(o.cue)
        self.intake.show_outcome(o)
        if o.action != "finished_unit" and self.question is not None:
            self.question.close()
            self.question = None
        if o.action in ("created", "opened", "reopened", "finished_unit"):
            # The unit opens at its own step: a new phone at Grade, a graded one at Photos...
            self.window.set_unit(o.uid, _summary(o.unit),  # type: ignore[attr-defined]
                                 go_to_step=o.action != "finished_unit")
            Changes.hub().changed.emit({"units", "events"} if o.action != "opened" else {"events"})
        if o.action == "finished_unit":
            self._ask_finished(o)
        elif o.action in ("signed_in", "signed_out"):
            Changes.hub().changed.emit({"operator", "events"})
            if self.signin is not None and o.action == "signed_in":
                self.signin.accept()
        elif o.action == "command":
            self._dispatch(o)
        elif o.action == "next" and o.step:
            self.show_step(o.step)
        elif o.action in ("finished", "reopened"):
            Changes.hub().changed.emit({"units", "events"})
            if o.unit is not None:
                self.window.set_unit(o.uid, _summary(o.unit))  # type: ignore[attr-defined]
        elif o.action == "check_label":
            self._asked_label = o.uid
            self.show_step("label")
        elif o.action == "lot" and o.classification is not None:
            self.intake.fill_lot(o.classification.value)
        elif o.action == "return_label" and o.return_label is not None:
            self.intake.fill_return(o.return_label)
        elif o.action == "blocked" and o.uid and self.ctx.operator is not None and self.ctx.operator.is_supervisor:
            self._offer_override(o.uid, o.blocked)

    def _offer_override(self, uid: str, blocked: list[str]) -> None:
        """A supervisor may finish past the checks, with a reason that goes into the event."""
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle(self.tr("Finish past the checks?"))
        dialog.setLabelText("\n".join(map(shown, blocked)) + "\n\n"
                            + self.tr("Reason to finish anyway (recorded), or Esc:"))
        self.override = dialog

        def accepted(reason: str) -> None:
            self.override = None
            if reason.strip():
                Op(self, workflow.finish, self.ctx, uid, override_reason=reason).success(self._overridden).run()

        dialog.textValueSelected.connect(accepted)
        dialog.open()

    def _overridden(self, result: workflow.FinishResult) -> None:
        Changes.hub().changed.emit({"units", "events"})
        Changes.hub().message.emit("ok", " ".join([self.tr("Unit {unit} finished by override.").format(unit=result.uid),
                                                     *result.messages]))
        self.cue.play("good")

    def show_step(self, step: str) -> None:
        panel = self.panel_for(step)
        if panel is not None:
            self.window.tabs.setCurrentWidget(panel)  # type: ignore[attr-defined]

    def _dispatch(self, o: ScanOutcome) -> None:
        if o.command == "CANCEL":
            return
        panel = self.panel_for(o.step)
        if panel is None or o.command is None:
            text = self.tr("No panel takes {command} on this station.").format(command=o.message)
            Changes.hub().message.emit("warn", text)
            return
        self.show_step(o.step or "")
        if not panel.handle_command(o.command, o.argument):
            Changes.hub().message.emit(
                "warn",
                self.tr("The {panel} panel did not take {command}; use its own controls.").format(
                    panel=self.tr(panel.title), command=o.message
                ),
            )

    def _ask_finished(self, o: ScanOutcome) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Unit already finished"),
            o.message,
            QMessageBox.StandardButton.Cancel,
            self.window,
        )
        reprint = box.addButton(self.tr("&Re-print label"), QMessageBox.ButtonRole.ActionRole)
        reprocess = box.addButton(self.tr("Re-&process"), QMessageBox.ButtonRole.ActionRole)
        box.setDefaultButton(reprint)

        def answered(button: object) -> None:
            self.question = None
            if button is reprint:
                self.submit("CMD:REPRINT")
            elif button is reprocess:
                self.submit("CMD:REPROCESS")

        box.buttonClicked.connect(answered)
        if self.question is not None:
            self.question.close()
        self.question = box
        box.open()

    def sign_in(self) -> None:
        """Ctrl+L: the PIN dialog (a badge scan also works while it is open)."""
        if self.signin is not None and self.signin.isVisible():
            self.signin.raise_()
            return
        self.signin = SignInDialog(self.ctx, self.window)
        self.signin.finished.connect(lambda _r: setattr(self, "signin", None))
        self.signin.open()

    def _demo_ready(self, created: bool) -> None:
        if created:
            Changes.hub().message.emit(
                "info",
                self.tr("Demo operators: badge OP-0001 (technician, PIN 1111) and OP-0002 (supervisor, PIN 2222)."),
            )


def _summary(view: UnitView | None) -> str:
    if view is None:
        return ""
    ident = view.imei or view.fields.get("serial") or (view.identifiers[0][1] if view.identifiers else "")
    return f"{class_word(view.device_class)} · {ident} · {stage_word(view.stage)}"

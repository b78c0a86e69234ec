"""The Grade panel: the active matrix's questions, answered by number keys, with the grade live.

Keys: 1-9 choose an option and move on; the last answer saves the grade · Enter takes the current
or default answer and moves on · Backspace/Up go back · Ctrl+O override (reason needed)
· Ctrl+R assign the proposed route · Ctrl+L lots. Command barcodes do the same:
CMD:GRADE:3 (option 3), CMD:GRADE:B (the option grading this zone B), CMD:GRADE:SAVE / BACK /
NEXT / OVERRIDE / ROUTE / LOTS.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from station import disposition, grading
from station.grading import bench
from station.grading.evaluate import applicable
from station.grading.form import GradingForm
from station.i18n import N_, ngettext
from station.ui.grade_override import OverrideDialog
from station.ui.grade_view import GradeSummary
from station.ui.ops import Changes, Op
from station.ui.panels.base import Panel, column, heading, hint

_DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


def _expected_count(f: GradingForm) -> int:
    """How many questions this unit will be asked if each open one takes its first option (the
    matrices list the working, undamaged answer first): a count that does not jump (1/4, then
    2/8) when "powers on" opens the later ones. Only for the counter; nothing is recorded."""
    projected = {q.key: q.options[0].key for q in f.matrix.questions if q.options}
    return len(applicable(f.matrix, {**projected, **f.answers}))


class GradePanel(Panel):
    title = N_("Grade")  # shown through tr() in the tab
    topics = frozenset({"units", "grades", "wipe"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = column(self)
        layout.addWidget(heading(self.tr("Grade")))
        layout.addWidget(hint(self.tr("1-9 choose · Enter next / save · Backspace back · Ctrl+O override · "
                                      "Ctrl+R route · Ctrl+L lots")))
        self.unit_line = QLabel(self.tr("Scan a unit to grade it."))
        self.unit_line.setObjectName("grade-unit")
        layout.addWidget(self.unit_line)
        body = QHBoxLayout()
        self.questions = self._list("grade-questions")
        body.addWidget(self.questions, 3)
        middle = QVBoxLayout()
        self.question = QLabel("")
        self.question.setObjectName("grade-question")
        self.question.setWordWrap(True)
        self.question.setStyleSheet("font-size: 16.5pt; font-weight: 600;")
        self.help = QLabel("")
        self.help.setWordWrap(True)
        self.message = QLabel("")  # the last thing that happened, kept until the next one
        self.message.setObjectName("grade-message")
        self.message.setWordWrap(True)
        self.options = self._list("grade-options")
        self.options.setStyleSheet("QListWidget { font-size: 13.5pt; }")
        middle.addWidget(self.question)
        middle.addWidget(self.help)
        middle.addWidget(self.options, 1)
        middle.addWidget(self.message)
        body.addLayout(middle, 4)
        self.summary = GradeSummary(self)
        body.addWidget(self.summary, 3)
        layout.addLayout(body, 1)
        self.loaded: bench.UnitForGrading | None = None
        self.form: GradingForm | None = None
        self.dirty = False
        # Keys and CMD:GRADE scans that arrive between a unit's scan and its form loading
        # (a scanner is faster than the database): replayed in order once it has loaded.
        self.pending: list[tuple[str, Callable[[], None]]] = []  # (unit uid, replay)
        self.saving = False
        self.inputs = 0  # keys and commands taken since the unit was loaded (the "<= 10 inputs" goal)

    @staticmethod
    def _list(name: str) -> QListWidget:
        w = QListWidget()
        w.setObjectName(name)
        w.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the panel
        w.setWordWrap(True)
        w.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return w

    # -- loading --------------------------------------------------------------------------
    def set_unit(self, uid: str | None) -> None:
        if uid != self.unit_uid:  # nothing of the last unit stays: its message, route, answers, counter
            self.loaded, self.form, self.dirty, self.inputs = None, None, False, 0
            self.pending.clear()
            self.message.setText("")
            self.summary.clear("")
            self._draw()
        super().set_unit(uid)

    def activated(self) -> None:
        super().activated()
        self.setFocus()

    def refresh(self) -> None:
        uid = self.unit_uid
        if not uid:
            self.loaded, self.form = None, None
            self.pending.clear()
            self.unit_line.setText(self.tr("Scan a unit to grade it."))
            self._draw()
            return
        if self.dirty and self.loaded is not None and self.loaded.uid == uid:
            return  # never throw away answers being given; the route preview updates after saving
        Op(self, bench.load, self.ctx, uid).success(self._loaded).run()

    def _loaded(self, u: bench.UnitForGrading) -> None:
        if u.uid != self.unit_uid or (self.dirty and self.loaded is not None and self.loaded.uid == u.uid):
            return
        fresh = self.loaded is None or self.loaded.uid != u.uid
        self.loaded = u
        self.form = GradingForm(u.matrix, u.answers)
        self.form.goto(self.form.first_unanswered())
        if fresh:
            self.inputs = 0
        line = self.tr("{unit} · matrix {matrix}").format(unit=u.title, matrix=u.matrix.ref)
        if u.stage is not None:  # an EOL or dead-stock model is worth knowing while grading it
            line += " · " + self.tr("lifecycle: {stage}").format(stage=u.stage.label)
        self.unit_line.setText(line)
        self._draw()
        pending, self.pending = self.pending, []
        for uid, replay in pending:
            if uid == u.uid:  # keys meant for a unit scanned before this one are dropped
                replay()

    # -- keys and commands ----------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if ctrl and key in (Qt.Key.Key_O, Qt.Key.Key_R, Qt.Key.Key_L):
            self.inputs += 1
            {Qt.Key.Key_O: self.override, Qt.Key.Key_R: self.assign_route, Qt.Key.Key_L: self.open_lots}[key]()
            return
        if ctrl or mods & Qt.KeyboardModifier.AltModifier:
            super().keyPressEvent(event)
            return
        if key in _DIGITS:
            self._act(lambda f: f.choose(_DIGITS[key]),
                      self.tr("there is no option {number} here").format(number=_DIGITS[key]))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter()
        elif key in (Qt.Key.Key_Backspace, Qt.Key.Key_Up, Qt.Key.Key_Left):
            self._act(lambda f: f.back() is None, "")
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_Right):
            self._act(lambda f: f.current is not None and f.current.key in f.answers and f.accept(), "")
        else:
            super().keyPressEvent(event)

    def handle_command(self, command: str, argument: str | None) -> bool:
        if command != "GRADE":
            return False
        arg = (argument or "").strip().upper()
        if not arg:
            self.setFocus()
        elif arg.isdigit() and len(arg) == 1:
            self._act(lambda f: f.choose(int(arg)),
                      self.tr("there is no option {number} here").format(number=arg))
        elif arg in grading.COSMETIC:
            self._act(lambda f: f.choose_grade(arg),
                      self.tr("this question has no option for grade {grade}").format(grade=arg))
        elif arg in ("SAVE", "OK", "NEXT", "ENTER"):
            self.enter()
        elif arg == "BACK":
            self._act(lambda f: f.back() is None, "")
        else:
            actions = {"OVERRIDE": self.override, "ROUTE": self.assign_route, "LOTS": self.open_lots}
            if arg not in actions:
                self._say("error", self.tr("CMD:GRADE:{arg} is not a grading command; use 1-9, A-E, SAVE, BACK, "
                                           "OVERRIDE, ROUTE or LOTS.").format(arg=arg))
                return True
            self.inputs += 1
            actions[arg]()
        return True

    def _waiting(self, replay: Callable[[], None]) -> bool:
        """True when there is no form yet; a unit still loading keeps `replay` for when it arrives."""
        if self.form is not None:
            return False
        if self.unit_uid:
            self.pending.append((self.unit_uid, replay))
        else:
            self.inputs += 1
            self._say("error", self.tr("Scan a unit to grade it first."))
        return True

    def _act(self, step, problem: str) -> None:
        if self._waiting(lambda: self._act(step, problem)):
            return
        assert self.form is not None  # _waiting() is False only with a form
        self.inputs += 1
        before = dict(self.form.answers)
        if not step(self.form) and problem:
            what = self.form.current.text if self.form.current else self.tr("Grade")
            self._say("warn", f"{what}: {problem}.")
        self.dirty = self.dirty or self.form.answers != before
        self._draw()
        if self.dirty and self.form.at_end and self.form.complete:
            self.save()  # the last answer given: the grade is saved and the bench moves on to Photos

    def enter(self) -> None:
        if self._waiting(self.enter):
            return
        assert self.form is not None  # _waiting() is False only with a form
        if not self.form.at_end:
            self._act(lambda f: f.accept(), self.tr("choose an option with its number key"))
            return
        self.inputs += 1
        if not self.form.complete:
            self.form.goto(self.form.first_unanswered())
            self._draw()
            self._say("warn", self.tr("Some questions are not answered yet."))
        elif not self.dirty and self.loaded is not None and self.loaded.sale_grade:
            self._say("info", self.tr("{unit} is graded {grade}; Ctrl+R assigns its route.")
                      .format(unit=self.loaded.uid, grade=self.loaded.sale_grade))
        else:
            self.save()

    # -- actions --------------------------------------------------------------------------
    def save(self, override: grading.Override | None = None) -> None:
        if self.form is None or self.loaded is None or self.saving:
            return
        self.saving = True
        uid, answers, matrix = self.loaded.uid, self.form.effective_answers(), self.form.matrix
        Op(self, grading.record, self.ctx, uid, answers, matrix=matrix, override=override).changes(
            "units", "grades").success(self._saved).failure(self._failed).run()

    def _saved(self, r: grading.Recorded) -> None:
        self.saving, self.dirty = False, False
        how = (self.tr("overridden from {grade}").format(grade=r.computed.sale_grade) if r.override_reason
               else self.tr("saved"))
        self._say("ok", self.tr("{unit} graded {grade} ({how}) with {matrix}.").format(
            unit=r.unit_uid, grade=r.sale_grade, how=how, matrix=r.matrix_ref))
        Op(self, bench.load, self.ctx, r.unit_uid).success(self._loaded).run()

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self._say("error", str(exc))

    def override(self) -> None:
        if self.form is None or not self.form.complete:
            self._say("warn", self.tr("Answer every question first; the override replaces the computed grade."))
            return
        op = self.ctx.operator
        if self.ctx.config["grading.override_supervisor_only"] and not (op and op.is_supervisor):
            self._say("error", self.tr("Only a supervisor may override a computed grade here; ask a supervisor to "
                                       "sign in with their badge."))
            return
        dialog = OverrideDialog(self.form.result(), self)
        if dialog.exec():
            self.dirty = True
            self.save(dialog.value())

    def assign_route(self) -> None:
        if self.loaded is None or self.dirty or not self.loaded.sale_grade:
            self._say("warn", self.tr("Save the grade first; the route follows from it."))
            return
        Op(self, disposition.assign, self.ctx, self.loaded.uid).changes("units").success(
            self._routed).failure(self._route_refused).run()

    def _routed(self, d: disposition.Decision) -> None:
        self.summary.show_decision(d, self.tr("Assigned."))
        self._say("ok", self.tr("Routed to {route}.").format(route=d.label))

    def _route_refused(self, exc: BaseException) -> None:
        self._say("error", str(exc))

    def open_lots(self) -> None:
        from station.ui.lots_dialog import LotsDialog

        LotsDialog(self.ctx, self.unit_uid, self).exec()

    # -- drawing --------------------------------------------------------------------------
    def _say(self, level: str, text: str) -> None:
        Changes.hub().message.emit(level, text)
        colour = {"ok": "#1b5e20", "error": "#b00020", "warn": "#b35c00"}.get(level, "#333")
        self.message.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.message.setText(text)

    def _draw(self) -> None:
        self.questions.clear()
        self.options.clear()
        f, u = self.form, self.loaded
        if f is None or u is None:
            self.question.setText("")
            self.summary.clear(self.tr("No unit"))
            return
        for i, q in enumerate(f.questions):
            answer = q.option(f.answers[q.key]).label if q.key in f.answers else "…"  # type: ignore[union-attr]
            sep = " " if q.text.endswith("?") else ": "
            item = QListWidgetItem(f"{'✔' if q.key in f.answers else '·'} {q.text}{sep}{answer}")
            self.questions.addItem(item)
            if i == f.index:
                self.questions.setCurrentItem(item)
        current = f.current
        if current is None:
            self.question.setText(self.tr("All answered: Enter saves the grade.") if f.complete
                                  else self.tr("Questions remain."))
            self.help.setText(self.tr("Graded before with {matrix}.").format(matrix=u.graded_with)
                              if u.graded_with and not self.dirty else "")
        else:
            self.question.setText(f"{f.index + 1}/{_expected_count(f)}  {current.text}")
            self.help.setText(current.help)
            chosen = f.answers.get(current.key, current.default)
            for o in current.options:
                mark = "●" if o.key == chosen else " "
                enter = self.tr("   (Enter)") if o.key == chosen else ""
                item = QListWidgetItem(f"{mark} {o.number}  {o.label}{enter}")
                self.options.addItem(item)
                if o.key == chosen:
                    self.options.setCurrentItem(item)
        r = f.result()
        answered = sum(1 for q in f.questions if q.key in f.answers)
        left = max(len(r.missing), _expected_count(f) - answered)  # as the counter above counts
        state = (ngettext("{count} question left", "{count} questions left", left).format(count=left) if left
                 else (self.tr("saved") if not self.dirty and u.sale_grade else self.tr("ready to save (Enter)")))
        self.summary.show_result(r, u.device_class, state=state)
        if self.dirty or u.decision is None:
            self.summary.show_decision(None, self.tr("The route is proposed once the grade is saved."))
        else:
            self.summary.show_decision(u.decision, self.tr("Assigned: {route}").format(route=u.route) if u.route
                                       else self.tr("Ctrl+R assigns it."))

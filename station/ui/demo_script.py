"""`station demo --script`: a scripted shift played through the real main window, then a summary.

The script is the technician: it scans with the demo's scanner (the same ScanRouter.submit a serial
scanner feeds), presses keys into whatever has the focus and answers the questions that open, at a
pace a person can follow (`--pace` seconds between inputs). One phone goes from its first scan to its
checked label: sign-in badge, IMEI, grade answers, the six photos, the wipe with its two questions,
the route and the label scanned back. The window then closes and the summary is printed; the exit
status is 0 when the unit was finished as expected, 1 when a step did not come.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from station import photos, steps, units
from station.context import StationContext
from station.i18n import _
from station.ui.ops import Changes, Op

log = logging.getLogger(__name__)

DEMO_BADGE = "OP-0001"
CLEAN_PHONE = "490154203237518"  # the demo's clean Pixel (DEMO-PIXEL-01): encrypted, no account
ALL_GOOD = "11111111"  # every grading question answered with its first (best) option


@dataclass
class Wait:
    """Hold the script until `ready()` is true; after `timeout_s` the shift stops at `what`."""

    what: str
    ready: Callable[[], bool]
    timeout_s: float = 60.0


@dataclass
class Outcome:
    ok: bool = False
    stopped_at: str = ""
    inputs: list[str] = field(default_factory=list)
    unit: dict[str, object] = field(default_factory=dict)
    seconds: float = 0.0

    def text(self) -> str:
        tr = partial(QCoreApplication.translate, "DemoScript")
        head = (tr("Scripted shift done in {0:.0f} s, {1} inputs.").format(self.seconds, len(self.inputs)) if self.ok
                else tr("Scripted shift stopped after {0:.0f} s: {1}.").format(self.seconds, self.stopped_at))
        lines = [head]
        lines += [f"  {key}: {value}" for key, value in self.unit.items()]
        lines.append("  " + tr("inputs: {0}").format(" · ".join(self.inputs)))
        return "\n".join(lines)


class Stopped(Exception):
    """The shift cannot go on; the text says where it stopped."""


Step = Wait | float  # a condition to wait for, or seconds to pause


class DemoScript(QObject):
    """Plays the shift on a 100 ms timer, so the window stays live and every question is answered in it."""

    def __init__(self, window: QWidget, pace_s: float, on_done: Callable[[Outcome], None]) -> None:
        super().__init__(window)
        self.w = window
        self.ctx: StationContext = window.ctx  # type: ignore[attr-defined]
        self.pace_s, self.on_done = pace_s, on_done
        self.outcome = Outcome()
        self._t0 = time.monotonic()
        self._steps: Iterator[Step] = self._shift()
        self._waiting: Wait | None = None
        self._until = 0.0
        self._timer = QTimer(self, interval=100)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._timer.start()

    # -- inputs, as the technician makes them -------------------------------------------------------------------
    def say(self, text: str) -> None:
        Changes.hub().message.emit("info", self.tr("Demo script: {0}").format(text))

    def scan(self, text: str) -> None:
        self.outcome.inputs.append(f"scan {text}")
        self.w.scans.submit(text)  # type: ignore[attr-defined]

    def key(self, key: Qt.Key, name: str, target: QWidget | None = None) -> None:
        self.outcome.inputs.append(name)
        to = target or QApplication.focusWidget() or self.w
        text = name[0] if len(name) == 1 else (" " if key == Qt.Key.Key_Space else "")
        for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
            QApplication.sendEvent(to, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))

    def answer(self, key: Qt.Key, name: str) -> None:
        modal = QApplication.activeModalWidget()
        self.key(key, name, modal)

    # -- the shift ----------------------------------------------------------------------------------------------
    def _shift(self) -> Generator[Step, None, None]:
        w, ctx = self.w, self.ctx
        panels = {p.title.lower(): p for p in w.panels}  # type: ignore[attr-defined]
        grade, shots, wipe, label = panels["grade"], panels["photos"], panels["wipe"], panels["label"]

        def stage() -> str:
            p = w.progress  # type: ignore[attr-defined]
            return p.stage if p is not None else ""

        self.say(self.tr("signing in with the demo badge"))
        yield 2 * self.pace_s
        self.scan(DEMO_BADGE)
        yield Wait(self.tr("the sign-in"), lambda: ctx.operator is not None, 20)
        yield Wait(self.tr("the demo phones"), lambda: any(i.details.get("state") == "device"
                                                  for i in w.devices.devices("phone")), 60)  # type: ignore[attr-defined]
        self.say(self.tr("scanning the phone's IMEI"))
        yield self.pace_s
        self.scan(CLEAN_PHONE)
        yield Wait(self.tr("the Grade step"), lambda: stage() == "grade" and w.tabs.currentWidget() is grade  # type: ignore[attr-defined]
                   and grade.form is not None, 30)
        uid = w.unit_uid  # type: ignore[attr-defined]
        self.say(self.tr("grading with the number keys"))
        for digit in ALL_GOOD:
            yield self.pace_s / 2
            self.key(getattr(Qt.Key, f"Key_{digit}"), digit)
        yield Wait(self.tr("the Photos step"), lambda: w.tabs.currentWidget() is shots, 30)  # type: ignore[attr-defined]
        wanted = len(photos.shot_list(ctx, uid))
        yield Wait(self.tr("the camera"), lambda: shots.preview.frames_shown > 2 and shots.shots.count() >= wanted, 60)

        def missing() -> bool:
            return any(s.required and not s.taken for s in photos.shot_list(ctx, uid))

        self.say(self.tr("Space takes each required photo"))
        while missing():
            yield self.pace_s
            before = shots.verdict.text()
            self.key(Qt.Key.Key_Space, "Space")
            yield Wait(self.tr("the photo's check"), partial(_checked, shots, before), 30)
            if len(self.outcome.inputs) > 40:
                raise Stopped(self.tr("the photos were refused: {0}").format(shots.verdict.text()))
        yield Wait(self.tr("the Wipe step with this phone"), lambda: w.tabs.currentWidget() is wipe  # type: ignore[attr-defined]
                   and _phone_with(wipe, CLEAN_PHONE, selected=True), 60)
        self.say(self.tr("Enter erases the phone"))
        yield self.pace_s
        self.key(Qt.Key.Key_Return, self.tr("Enter (wipe)"))
        for question, name in ((_("Erase ALL data"), self.tr("Y (erase: yes)")),  # the start of the prompts' words
                               ("Reboot system now", self.tr("Y (reset in recovery)"))):
            yield Wait(self.tr("the question “{0}”").format(question), partial(_asking, question), 60)
            yield self.pace_s
            self.answer(Qt.Key.Key_Y, name)
        yield Wait(self.tr("the Route step"), lambda: stage() == "route" and label.route_box.routes.count() > 0
                   and label.route_box.routes.hasFocus(), 180)
        self.say(self.tr("Enter takes the route and prints the label"))
        yield self.pace_s
        self.key(Qt.Key.Key_Return, self.tr("Enter (route)"))
        yield Wait(self.tr("the printed label"), lambda: label.awaiting == uid, 30)
        self.say(self.tr("scanning the printed label back"))
        yield self.pace_s
        self.scan(uid)
        yield Wait(self.tr("the unit done"), lambda: stage() == "done", 30)
        self.outcome.ok = True
        self.say(self.tr("the phone is done; the shift ends here"))
        yield self.pace_s

    def _tick(self) -> None:
        now = time.monotonic()
        if self._waiting is not None:
            if self._waiting.ready():
                log.info("demo script: %s after %.1f s", self._waiting.what, now - self._t0)
                self._waiting = None
            elif now < self._until:
                return
            else:
                self._finish(self.tr("no {0} after {1:.0f} s").format(self._waiting.what, self._waiting.timeout_s))
                return
        elif now < self._until:
            return
        try:
            step = next(self._steps)
        except StopIteration:
            self._finish("")
            return
        except Stopped as exc:
            self._finish(str(exc))
            return
        except Exception as exc:  # a script that breaks stops the shift with the reason, not the app
            log.exception("demo script failed")
            self._finish(str(exc))
            return
        if isinstance(step, Wait):
            self._waiting, self._until = step, now + step.timeout_s
        else:
            self._until = now + step

    def _finish(self, stopped_at: str) -> None:
        self._timer.stop()
        self.outcome.stopped_at = stopped_at
        self.outcome.seconds = time.monotonic() - self._t0
        uid = self.w.unit_uid  # type: ignore[attr-defined]
        if uid is None:
            self.on_done(self.outcome)
            return

        def read(summary: dict[str, object]) -> None:
            self.outcome.unit = summary
            self.outcome.ok = self.outcome.ok and summary.get("stage") == "finished" \
                and summary.get("label") == "checked"
            self.on_done(self.outcome)

        Op(self, unit_summary, self.ctx, uid).success(read).failure(lambda _e: self.on_done(self.outcome)).run()


def unit_summary(ctx: StationContext, uid: str) -> dict[str, object]:
    """What the shift left in the database for the unit: the figures the summary prints."""
    taken = sum(1 for shot in photos.shot_list(ctx, uid) if shot.taken)
    with ctx.store.reader() as s:
        unit = units.by_uid(s, uid)
        if unit is None:
            return {"unit": uid}
        return {"unit": uid, "grade": unit.sale_grade, "photos": taken,
                "wipe": unit.wipe_status, "certificate": unit.certificate_id, "route": unit.route,
                "label": steps.label_state(s, unit), "stage": unit.stage}


def _phone_with(wipe: QWidget, imei: str, *, selected: bool = False) -> bool:
    from station.ui.wipe_phone_target import PhoneTarget

    targets = [wipe.selected()] if selected else list(wipe.model.targets)  # type: ignore[attr-defined]
    return any(isinstance(t, PhoneTarget) and t.identity is not None and t.identity.imei == imei for t in targets)


def _checked(shots: QWidget, before: str) -> bool:
    return not shots.busy and shots.verdict.text() != before  # type: ignore[attr-defined]


def _asking(text: str) -> bool:
    modal = QApplication.activeModalWidget()
    return modal is not None and any(text in label.text() for label in modal.findChildren(QLabel))

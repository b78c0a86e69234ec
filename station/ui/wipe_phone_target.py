"""Phones as rows of the Wipe panel, beside the drives.

`PhoneTarget` is a WipeTarget (ui/wipe_targets.py) over station.erase.run.WipeRun, whose
phone reset runs in a thread of its own: it talks adb and waits minutes for the phone
and the technician, so it must never sit on the DB executor. Its questions ("pick Wipe
data/factory reset in recovery", "re-enable USB debugging or photograph the setup
wizard") come through a `QtPrompt`: the wipe's thread waits while the GUI thread asks.
`sync_phone_rows()` keeps one row per phone the device manager lists.
"""

from __future__ import annotations

import logging

from typing_extensions import override

from station.context import StationContext
from station.devices.base import DeviceInfo
from station.devices.manager import DeviceManager
from station.devices.phone.identity import PhoneIdentity
from station.devices.phone.states import instruction, words
from station.erase import jobs
from station.erase.phone.prechecks import PhoneBlocked
from station.erase.run import FACTORY_RESET, RunPlan, WipeRun
from station.errors import UserFacingError
from station.i18n import _
from station.ui.ops import Changes
from station.ui.prompt import QtPrompt
from station.ui.wipe_model import WipeTableModel
from station.ui.wipe_targets import Facts, Snapshot, WipeTarget, result_words

log = logging.getLogger(__name__)

METHOD_TEXT = FACTORY_RESET.replace("-", " ")


def _say_error(serial: str, exc: BaseException) -> None:
    """From the wipe's thread: the row shows it too, once the thread ended."""
    text = str(exc) if isinstance(exc, UserFacingError) else _("{error}; see the log").format(error=type(exc).__name__)
    if not isinstance(exc, UserFacingError):
        log.error("phone erase of %s", serial, exc_info=exc)
    Changes.hub().message.emit("error", text)


class PhoneTarget(WipeTarget):
    def __init__(self, info: DeviceInfo) -> None:
        self.info = info
        self.id, self.label, self.connected = info.id, info.label, True
        self.prompt = QtPrompt()
        self.run: WipeRun | None = None
        self.finished: jobs.Finished | None = None
        self._claimed = False
        self.identity: PhoneIdentity | None = None  # read once it answers: its IMEI and serial number
        self.identifying = False
        self._error_told = False
        self._planned: WipeRun | None = None

    @property
    def error(self) -> BaseException | None:
        return self.run.error if self.run is not None else None

    def update(self, info: DeviceInfo) -> None:
        self.info, self.label, self.connected = info, info.label, True

    def running(self) -> bool:
        return self.run is not None and not self.run.done()

    def facts(self) -> Facts:
        state = self.info.details.get("state", "")
        if self.running():
            guard = _("erasing: keep the phone plugged in")
        elif not self.connected:
            guard = _("not connected")
        else:
            guard = _("ready: factory reset") if state == "device" else f"{words(state)}: {instruction(state)}"
        ident = self.identity
        return Facts(port=self.info.details.get("transport", "usb").upper(),
                     model=(ident.model if ident and ident.model else self.info.details.get("model", "")),
                     serial=ident.serial if ident else self.id, bus="adb", guard=guard,
                     extra={"imei": ident.imei or "" if ident else ""})

    def matches(self, ids: set[str]) -> bool:
        """True when this phone is the unit known by these identifiers (IMEI or serial)."""
        ident = self.identity
        mine = {self.id.upper(), *((ident.serial.upper(), (ident.imei or "")) if ident else ())}
        return bool(mine & ids)

    def eligible(self) -> bool:
        return self.connected and self.info.details.get("state") == "device" and not self.running()

    @override
    def plan(self, ctx: StationContext, method: str, verify: str) -> RunPlan:
        """What the reset will do (the steps and why), shown before the confirmation like a drive's plan.
        The drive method and verify choices do not apply: a phone gets its factory reset and its own check."""
        self._planned = WipeRun.for_phone(ctx, self.id, self.prompt, FACTORY_RESET)
        return self._planned.plan()

    @override
    def start(self, ctx: StationContext, method: str, verify: str) -> None:
        self.finished, self._claimed, self._error_told = None, False, False
        planned, self._planned = self._planned, None
        self.run = planned if planned is not None else WipeRun.for_phone(ctx, self.id, self.prompt)
        self.run.on_error = lambda exc: _say_error(self.id, exc)
        self.run.start()

    def stop(self) -> None:
        if self.run is not None:
            self.run.stop()  # at the next look at the phone; a reset already sent cannot be taken back

    def snapshot(self) -> Snapshot:
        if self.finished is not None:
            words, level = result_words(self.finished)
            return Snapshot(fraction=1.0 if self.finished.result.sanitized else 0.0, result=words, level=level,
                            method=METHOD_TEXT)
        if self.error is not None and not self.running():
            result = _("BLOCKED: {reason}") if isinstance(self.error, PhoneBlocked) else _("FAILED: {reason}")
            return Snapshot(result=result.format(reason=self.error), level="error", method=METHOD_TEXT)
        if self.run is not None and self.running():
            p = self.run.progress()
            return Snapshot(running=True, fraction=p.fraction, step=p.step or _("starting"), method=METHOD_TEXT)
        return Snapshot(method=METHOD_TEXT)

    def ended_unrecorded(self) -> bool:
        """True once, when the run ended with an error (a pre-check block): the unit changed meanwhile."""
        if self.run is None or self.running() or self.run.error is None or self._error_told:
            return False
        self._error_told = True
        return True

    def needs_finish(self) -> bool:
        if self._claimed or self.run is None or not self.run.done() or self.run.error is not None:
            return False
        self._claimed = True
        return True

    @override
    def finish(self, ctx: StationContext) -> jobs.Finished:
        """The run recorded the job and issued the certificate; this reads where they are."""
        assert self.run is not None
        self.finished = self.run.finish()
        return self.finished


def sync_phone_rows(devices: DeviceManager, model: WipeTableModel) -> set[str]:
    """One row per listed phone; a phone that vanished mid-erase keeps its row (it is rebooting)."""
    seen: set[str] = set()
    for info in devices.devices("phone"):
        seen.add(info.id)
        row = model.row_of(info.id)
        if row < 0:
            from station.ui.wipe_iphone_target import IPhoneTarget, is_iphone

            model.add(IPhoneTarget(info) if is_iphone(info) else PhoneTarget(info))
            continue
        target = model.target(row)
        if isinstance(target, PhoneTarget):
            target.update(info)
        model.refresh_row(row)
    for row in reversed(range(model.rowCount())):
        target = model.target(row)
        if isinstance(target, PhoneTarget) and target.id not in seen:
            if target.run is None:  # never wiped here: nothing to report
                model.remove(row)
            else:
                target.connected = False
                model.refresh_row(row)
    return seen

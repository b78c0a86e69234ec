"""One wipe run: the Qt-free core that `station wipe` and the Wipe panel both wrap.

A `WipeRun` is one target (a drive or a phone) and one requested method. It owns the
method dispatch, so every front end offers and does the same things:

- an overwrite method (methods.METHODS: clear, zero, random, dod3, ...) runs in a worker
  process (erase/jobs.py); the station writes every block;
- `purge` has the drive erase itself (erase/firmware_job.py), planned from its live facts
  and the firmware profiles; a drive that cannot Purge is refused, with the reason;
- `auto` is Purge where the drive supports it, else Clear by overwrite;
- a phone gets its factory reset (`factory-reset`; `auto` means the same), or one of the ways
  to do it (`recovery-command`, `reset-broadcast`, `recovery-menu`);
- an iPhone gets Erase All Content and Settings (`erase-all-content`; `auto` means the same).

Questions during the work go through the OperatorPrompt given (station/prompt.py), and
every job is recorded through the wipe ledger (erase/ledger.py).

The API, in the order a front end uses it:

    run = WipeRun.for_drive(ctx, drive, "auto", "sample", prompt)   # or WipeRun.for_phone(ctx, serial, prompt)
    methods_for(run.target_kind)   # the methods to offer for such a target
    plan = run.plan()              # what will run and why, or plan.refusal: blocks (it may ask the drive's
                                   #   firmware), so call it off the GUI thread; cached, start() uses it
    run.start()                    # records the job and starts the work; UserFacingError when refused
    run.progress()                 # Progress(fraction, step, rate, eta_s): poll it (~100 ms)
    run.done()                     # the work ended (or failed to start: see run.error)
    run.stop()                     # ask the work to stop; it ends safely and is recorded as ABORTED
    run.finish()                   # once done: records the outcome, issues the certificate -> jobs.Finished
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from station.certs.result import hidden_area_left
from station.context import StationContext
from station.devices.drive.discover import Drive
from station.devices.drive.firmware_runner import CommandRunner
from station.erase import firmware_job, jobs, methods
from station.erase import plan_words as w
from station.erase.phone import reset
from station.erase.phone.ios_erase import METHOD as IPHONE_METHOD
from station.erase.phone.ios_erase import wipe_iphone
from station.erase.phone.wipe import wipe_phone
from station.errors import UserFacingError
from station.i18n import _
from station.prompt import OperatorPrompt
from station.wipe_record import JobKind

PURGE, AUTO, FACTORY_RESET = "purge", "auto", "factory-reset"


class TargetKind(StrEnum):
    DRIVE = "drive"
    PHONE = "phone"
    IPHONE = "iphone"


def methods_for(kind: TargetKind) -> tuple[str, ...]:
    """The methods a front end offers for a target of this kind, in the order to show them."""
    if kind is TargetKind.PHONE:
        return (FACTORY_RESET, *reset.MEANS)
    if kind is TargetKind.IPHONE:
        return (IPHONE_METHOD,)
    return (*methods.METHODS, PURGE, AUTO)


@dataclass(frozen=True)
class RunPlan:
    """What a run will do, shown before it starts."""

    method: str  # as asked: clear, purge, auto, factory-reset, ...
    runs: str  # what will run: an overwrite method, purge, or factory-reset
    kind: JobKind
    method_type: str  # Clear | Purge | none, as far as known before the work
    steps: list[str] = field(default_factory=list)  # the commands or passes, in order
    why: list[str] = field(default_factory=list)
    refusal: str = ""  # not empty: nothing will run, and this is why

    @property
    def ok(self) -> bool:
        return not self.refusal


@dataclass(frozen=True)
class Progress:
    fraction: float = 0.0
    step: str = ""
    rate: float = 0.0  # bytes/s (overwrite only)
    eta_s: float | None = None


class WipeRun:
    def __init__(self, ctx: StationContext | None, kind: TargetKind, label: str, method: str, verify: str,
                 prompt: OperatorPrompt, *, drive: Drive | None = None, serial: str = "",
                 runner: Callable[[], CommandRunner] = CommandRunner) -> None:
        self.ctx, self.target_kind, self.label = ctx, kind, label
        self.method, self.verify, self.prompt = method, verify, prompt
        self.drive, self.serial, self._runner = drive, serial, runner
        self.error: BaseException | None = None  # why the work ended without a result (a phone's block ...)
        self.on_error: Callable[[BaseException], None] | None = None  # called from the work's thread
        self._plan: RunPlan | None = None
        self._firmware_plan: firmware_job.Chosen | None = None
        self._handle: jobs.JobHandle | None = None
        self._firmware: firmware_job.FirmwareRun | None = None
        self._thread: threading.Thread | None = None
        self._phone: jobs.Finished | None = None
        self._phone_progress = Progress(step="starting")
        self._stop = threading.Event()

    @classmethod
    def for_drive(cls, ctx: StationContext, drive: Drive, method: str, verify: str, prompt: OperatorPrompt,
                  runner: Callable[[], CommandRunner] = CommandRunner) -> WipeRun:
        """`runner` makes the runner that sends commands to the drive's firmware (tests script the drive)."""
        return cls(ctx, TargetKind.DRIVE, drive.path, method, verify, prompt, drive=drive, runner=runner)

    @classmethod
    def for_phone(cls, ctx: StationContext, serial: str, prompt: OperatorPrompt, method: str = AUTO) -> WipeRun:
        serial = serial.removeprefix("adb:")
        return cls(ctx, TargetKind.PHONE, f"adb:{serial}", method, "post-reset", prompt, serial=serial)

    @classmethod
    def for_iphone(cls, ctx: StationContext, udid: str, prompt: OperatorPrompt, method: str = AUTO) -> WipeRun:
        udid = udid.removeprefix("ios:")
        return cls(ctx, TargetKind.IPHONE, f"ios:{udid}", method, "iphone-erase", prompt, serial=udid)

    @classmethod
    def watch(cls, handle: jobs.JobHandle, prompt: OperatorPrompt) -> WipeRun:
        """A worker job an earlier session started (recovery at start): watched like any run and
        finished with the station given to finish()."""
        run = cls(None, TargetKind.DRIVE, handle.path, handle.method, "", prompt)
        run._handle = handle
        return run

    @classmethod
    def restart(cls, ctx: StationContext, job_id: str, drive: Drive, prompt: OperatorPrompt) -> WipeRun:
        """An interrupted overwrite started again with its recorded method and verification."""
        run = cls(ctx, TargetKind.DRIVE, drive.path, "", "", prompt, drive=drive)
        run._handle = jobs.restart(ctx, job_id, drive)
        run.method = run._handle.method
        return run

    # -- before the start ------------------------------------------------------------------------
    def _station(self, ctx: StationContext | None = None) -> StationContext:
        ctx = ctx or self.ctx
        if ctx is None:
            raise UserFacingError(_("{label}: no station is open to record this wipe in.").format(label=self.label))
        return ctx

    def plan(self) -> RunPlan:
        if self._plan is None:
            self._plan = self._make_plan()
        return self._plan

    def _make_plan(self) -> RunPlan:
        if self.target_kind is TargetKind.IPHONE:
            if self.method not in (AUTO, IPHONE_METHOD):
                return RunPlan(self.method, IPHONE_METHOD, JobKind.IPHONE_ERASE, "none",
                               refusal=w.IPHONE_ONLY.format(method=IPHONE_METHOD, asked=self.method))
            return RunPlan(self.method, IPHONE_METHOD, JobKind.IPHONE_ERASE, "Purge",  # data: NIST's category
                           steps=[w.IPHONE_READ, w.IPHONE_ERASE, w.IPHONE_FOLLOW], why=[w.IPHONE_WHY])
        if self.target_kind is TargetKind.PHONE:
            offered = methods_for(TargetKind.PHONE)
            if self.method not in (AUTO, *offered):
                return RunPlan(self.method, FACTORY_RESET, JobKind.PHONE_RESET, "none",
                               refusal=w.PHONE_ONLY.format(methods=", ".join(offered), asked=self.method))
            return RunPlan(self.method, FACTORY_RESET, JobKind.PHONE_RESET, "Purge or Clear",  # data: as above
                           steps=[w.PHONE_READ, w.PHONE_RESET, w.PHONE_VERIFY], why=[w.PHONE_WHY])
        assert self.drive is not None
        if self.method in (PURGE, AUTO):
            chosen = firmware_job.choose(self._station(), self.drive, self._runner())
            if isinstance(chosen, firmware_job.Chosen):
                self._firmware_plan = chosen
                p = chosen.plan
                return RunPlan(self.method, PURGE, JobKind.FIRMWARE, p.method_type,
                               steps=[s.summary for s in p.steps], why=[*p.rationale, *p.warnings])
            if self.method == PURGE:
                return RunPlan(self.method, PURGE, JobKind.FIRMWARE, "Purge", refusal=chosen.reason,  # data: as above
                               why=list(chosen.alternatives))
            return self._overwrite_plan("clear", [w.NO_PURGE_HERE.format(reason=chosen.reason)])
        return self._overwrite_plan(self.method, [])

    def _overwrite_plan(self, name: str, why: list[str]) -> RunPlan:
        try:
            m = methods.get(name)
            methods.check_verify(m, self.verify)
        except UserFacingError as exc:
            return RunPlan(self.method, name, JobKind.OVERWRITE, "none", refusal=str(exc))
        steps = [w.PASS.format(number=i, pattern=p) for i, p in enumerate(m.passes, 1)] + \
            [w.VERIFY.format(mode=self.verify)]
        return RunPlan(self.method, name, JobKind.OVERWRITE, m.method_type, steps=steps, why=[*why, m.description])

    def checked_plan(self) -> RunPlan:
        """The plan, or the refusal as a UserFacingError."""
        p = self.plan()
        if not p.ok:
            advice = " " + _("Use --method clear (overwrite) or --method auto.") if p.runs == PURGE else ""
            raise UserFacingError(_("{label}: {why}. Nothing was erased.{advice}").format(
                    label=self.label, why=p.refusal.rstrip('.'), advice=advice))
        return p

    # -- the work --------------------------------------------------------------------------------
    def start(self) -> None:
        p = self.checked_plan()
        if p.kind in (JobKind.PHONE_RESET, JobKind.IPHONE_ERASE):
            self._thread = threading.Thread(target=self._phone_work, name=f"phone-{self.serial}", daemon=True)
            self._thread.start()
        elif p.kind is JobKind.FIRMWARE:
            assert self.drive is not None and self._firmware_plan is not None
            self._firmware = firmware_job.FirmwareRun(self._station(), self.drive, self._firmware_plan, self.prompt)
        else:
            assert self.drive is not None
            self._handle = jobs.start(self._station(), self.drive, p.runs, self.verify,
                                      remove_hidden_area=self._ask_hidden_area(p.runs))

    def _ask_hidden_area(self, method: str) -> bool:
        """An HPA/DCO hides sectors an overwrite cannot reach: ask before removing it, since that
        changes the drive's reported size for good; without it the drive cannot be certified."""
        assert self.drive is not None
        left = hidden_area_left(self.drive.facts.hpa_dco)
        if not left or not methods.METHODS.get(method, methods.METHODS["clear"]).writes:
            return False
        return self.prompt.confirm(
            _("{label}: {left}. Restore the drive's native size (hdparm -N) before wiping, so those sectors are "
              "overwritten too? Without it the drive is wiped but NOT certified as sanitized.").format(
                label=self.label, left=left))

    def _phone_work(self) -> None:
        try:
            if self.target_kind is TargetKind.IPHONE:
                self._phone = wipe_iphone(self._station(), self.serial, self.prompt, progress=self._on_phone,
                                                 should_stop=self._stop.is_set)
                return
            means = AUTO if self.method == FACTORY_RESET else self.method  # how the reset is done, or auto
            self._phone = wipe_phone(self._station(), self.serial, self.prompt, means, progress=self._on_phone,
                                            should_stop=self._stop.is_set)
        except BaseException as exc:  # reported by finish(), and to the front end
            self.error = exc
            if self.on_error is not None:
                self.on_error(exc)

    def _on_phone(self, fraction: float, step: str) -> None:
        self._phone_progress = Progress(fraction, step)

    @property
    def started(self) -> bool:
        return self._handle is not None or self._firmware is not None or self._thread is not None

    @property
    def job_id(self) -> str | None:
        if self._handle is not None:
            return self._handle.job_id
        if self._firmware is not None:
            return self._firmware.job_id
        return self._phone.result.job_id if self._phone else None

    def done(self) -> bool:
        if self._handle is not None:
            return not self._handle.alive()
        if self._firmware is not None:
            return self._firmware.done()
        return self._thread is not None and not self._thread.is_alive()

    def progress(self) -> Progress:
        if self._handle is not None:
            p = self._handle.progress()
            return Progress(step="starting") if p is None else Progress(p.fraction, p.step, p.rate, p.eta_s)
        if self._firmware is not None:
            label, pct = self._firmware.state
            return Progress(pct / 100, f"{self._firmware.plan.method} {label}")
        return self._phone_progress

    def stop(self) -> None:
        """Stops between steps; a command already sent (a firmware erase, a reset) runs to its end."""
        self._stop.set()
        if self._handle is not None:
            self._handle.stop()
        if self._firmware is not None:
            self._firmware.stop()

    def finish(self, ctx: StationContext | None = None) -> jobs.Finished:
        """Record the outcome (once) and issue its certificate; the work must have ended.
        `ctx`: the station to record in, when it is not the one the run was made with."""
        station = self._station(ctx)
        if self._handle is not None:
            return jobs.finish(station, self._handle)
        if self._firmware is not None:
            return self._firmware.finish(station)
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            raise self.error
        if self._phone is None:
            raise UserFacingError(_("{label}: the wipe was never started.").format(label=self.label))
        return self._phone  # wipe_phone recorded the job and issued its certificate

"""What one row of the Wipe panel stands for: a "wipe target".

The panel only talks to this small interface, so a phone (or any later kind) becomes
a row by implementing it: identity and label, the facts for the columns, whether it
may be wiped and why not, start/stop, a progress snapshot, and finish() to record
the outcome once the work ended. `DriveTarget` is the drive kind, a thin wrapper over
station.erase.run.WipeRun (overwrite in a worker process, or the drive's own Purge);
the GUI never writes to the disk itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from station.certs.result import Status
from station.context import StationContext
from station.devices.drive.discover import Drive
from station.devices.drives import size_text
from station.erase import jobs
from station.erase.guard import Verdict
from station.erase.run import RunPlan, WipeRun
from station.i18n import N_, _, shown
from station.ui.prompt import QtPrompt

Level = Literal["", "ok", "error", "warn"]


@dataclass
class Snapshot:
    """Everything a row shows about the work in progress or done."""

    running: bool = False
    fraction: float = 0.0
    step: str = ""
    rate: float = 0.0  # bytes/s
    eta_s: float | None = None
    result: str = ""  # SANITIZED / FAILED: reason / INTERRUPTED ...
    level: Level = ""  # colours the result
    method: str = ""


@dataclass
class Facts:
    port: str = ""
    model: str = ""
    serial: str = ""
    size: str = ""
    bus: str = ""
    guard: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class WipeTarget(Protocol):
    id: str
    label: str
    connected: bool

    def facts(self) -> Facts: ...

    def eligible(self) -> bool: ...

    def plan(self, ctx: StationContext, method: str, verify: str) -> RunPlan: ...

    def start(self, ctx: StationContext, method: str, verify: str) -> None: ...

    def stop(self) -> None: ...

    def snapshot(self) -> Snapshot: ...

    def needs_finish(self) -> bool: ...

    def finish(self, ctx: StationContext) -> jobs.Finished: ...

    def matches(self, ids: set[str]) -> bool: ...


def plan_text(p: RunPlan) -> str:
    """The plan in the technician's words, for the confirmation (the planner's are English: i18n.shown)."""
    if not p.ok:
        return _("Refused: {reason}").format(reason=shown(p.refusal)) + "".join(f"\n  · {shown(w)}" for w in p.why)
    lines = [_("Runs: {runs} ({method_type})").format(runs=p.runs, method_type=p.method_type)]
    lines += [f"  {i}. {shown(s)}" for i, s in enumerate(p.steps, 1)]
    lines += [_("Why: {reason}").format(reason=shown(w)) for w in p.why]
    return "\n".join(lines)


INTERRUPTED = N_("INTERRUPTED: press R to restart")


def result_words(finished: jobs.Finished) -> tuple[str, Level]:
    r = finished.result
    if r.sanitized:
        if finished.certificate_error:
            # The drive is erased, but the customer's proof is missing: red, with what to fix. A new wipe after
            # the fix issues it, as every wipe does.
            return _("SANITIZED · NO CERTIFICATE: {reason} Then wipe again for its certificate.").format(
                reason=finished.certificate_error), "error"
        cert = _(" · certificate issued") if finished.certificate_json else ""
        return _("SANITIZED") + cert, "ok"
    if r.status is Status.INTERRUPTED:
        return _(INTERRUPTED), "warn"
    if r.status is Status.ABORTED:
        return _("STOPPED: not erased"), "warn"
    if r.status is Status.FINISHED:
        return _("FINISHED (not certifiable) {reason}").format(reason=shown(r.reason)).strip(), "warn"
    return _("FAILED: {reason}").format(reason=shown(r.reason)), "error"


class DriveTarget:
    """A drive row over station.erase.run.WipeRun: overwrite, purge or auto, as the method box says."""

    def __init__(self, drive: Drive, verdict: Verdict) -> None:
        self.drive, self.verdict = drive, verdict
        self.id = drive.identity
        self.label = drive.label
        self.connected = True
        self.prompt = QtPrompt()  # a frozen drive's question during a Purge
        self.run: WipeRun | None = None
        self.finished: jobs.Finished | None = None
        self.interrupted_job: str | None = None  # a cut-off job the R key restarts
        self.method = ""
        self._finishing = False
        self._planned: WipeRun | None = None

    @property
    def handle(self) -> WipeRun | None:
        """The run on this row, if any was started or watched here."""
        return self.run

    def update(self, drive: Drive, verdict: Verdict) -> None:
        self.drive, self.verdict, self.label, self.connected = drive, verdict, drive.label, True

    def facts(self) -> Facts:
        d, f = self.drive, self.drive.facts
        guard = self.verdict.shown if self.connected else _("not connected")
        if self.running():
            guard = _("wiping")
        return Facts(port=d.port, model=f.model, serial=f.serial or d.identity, size=size_text(f.size_bytes),
                     bus=f.bus, guard=guard)

    def running(self) -> bool:
        return self.run is not None and self.finished is None

    def matches(self, ids: set[str]) -> bool:
        """True when this drive is the unit known by these identifiers (its serial number)."""
        serial = (self.drive.facts.serial or "").upper()
        return bool(serial) and serial in ids

    def eligible(self) -> bool:
        return self.connected and self.verdict.eligible and not self.running()

    def plan(self, ctx: StationContext, method: str, verify: str) -> RunPlan:
        """What `method` would do on this drive (the planner asks the drive): shown before the confirmation.
        The run it belongs to is kept, so the start does what was shown."""
        self._planned = WipeRun.for_drive(ctx, self.drive, method, verify, self.prompt)
        return self._planned.plan()

    def start(self, ctx: StationContext, method: str, verify: str) -> None:
        self.finished, self._finishing, self.method = None, False, method
        if self.interrupted_job:
            self.run = WipeRun.restart(ctx, self.interrupted_job, self.drive, self.prompt)
            self.interrupted_job = None
        else:
            planned, self._planned = self._planned, None
            run = planned if planned is not None and planned.method == method else WipeRun.for_drive(
                ctx, self.drive, method, verify, self.prompt)
            run.start()
            self.run = run

    def attach(self, handle: jobs.JobHandle, method: str) -> None:
        """Watch a job an earlier session started (the GUI was closed while it ran)."""
        self.run, self.finished, self.method, self._finishing = WipeRun.watch(handle, self.prompt), None, method, False

    def stop(self) -> None:
        if self.running() and self.run is not None:
            self.run.stop()

    def snapshot(self) -> Snapshot:
        if self.finished is not None:
            words, level = result_words(self.finished)
            return Snapshot(fraction=1.0 if self.finished.result.sanitized else 0.0, result=words, level=level,
                            method=self.method)
        if self.run is None:
            if self.interrupted_job:
                return Snapshot(result=_(INTERRUPTED), level="warn", method=self.method)
            return Snapshot(method=self.method)
        p = self.run.progress()
        return Snapshot(running=True, fraction=p.fraction, step=p.step, rate=p.rate, eta_s=p.eta_s,
                        method=self.method)

    def needs_finish(self) -> bool:
        """The work ended and nobody has recorded it yet (claimed once)."""
        if self.run is None or self.finished is not None or self._finishing or not self.run.done():
            return False
        self._finishing = True
        return True

    def finish(self, ctx: StationContext) -> jobs.Finished:
        assert self.run is not None
        return self.run.finish(ctx)

    def finished_with(self, finished: jobs.Finished) -> None:
        self.finished = finished
        if finished.result.status is Status.INTERRUPTED and self.run is not None and self.run.job_id:
            self.interrupted_job = self.run.job_id

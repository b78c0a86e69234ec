"""A firmware (Purge) job for `station wipe --method purge|auto`, with the Run interface of the CLI.

The drive does the erasing, so the station only sends commands and reads a few sampled
sectors: it runs in a thread of this process (like a phone erase), never the GUI thread.
The job is recorded like an overwrite job (WipeJob row, wipe.started / wipe.finished
events) and ends with a signed certificate or failure report.
"""

from __future__ import annotations

import threading
from pathlib import Path

from station import clock
from station.context import StationContext
from station.erase import firmware, jobs, ledger, plan, profiles
from station.erase.discover import Drive
from station.erase.firmware_runner import CommandRunner
from station.erase.result import Status, WipeResult
from station.errors import UserFacingError
from station.prompt import OperatorPrompt
from station.wipe_record import JobKind, WipeStarted

FIRMWARE_METHODS = ("purge", "auto")


def load_profiles(ctx: StationContext) -> list[profiles.Profile]:
    folder = ctx.config["erase.profiles_dir"]
    return profiles.load_all(Path(folder).expanduser() if folder else None)


def plan_drive(ctx: StationContext, drive: Drive, runner: CommandRunner) -> plan.Plan | plan.Refusal:
    """Fresh facts from the drive itself, completed by discovery's, then the Purge plan."""
    live = firmware.probe(drive.path, drive.tool_facts.bus or drive.facts.bus or None, runner)
    facts = live.merge(drive.tool_facts)
    facts.serial = facts.serial or drive.facts.serial or None
    return plan.plan_for(facts, "purge", load_profiles(ctx))


class FirmwareRun:
    def __init__(self, ctx: StationContext, drive: Drive, chosen: plan.Plan, runner: CommandRunner,
                 prompt: OperatorPrompt | None) -> None:
        self.label, self.drive, self.plan = drive.path, drive, chosen
        self.job_id = jobs.new_job_id()
        self._stop = threading.Event()
        self._state = ("starting", 0.0)
        self.result: WipeResult | None = None
        self.error: BaseException | None = None
        self.unit_uid = self._record_start(ctx)
        fc = firmware.FirmwareContext(
            drive.path, runner, progress=self._progress, should_stop=self._stop.is_set, prompt=prompt,
            data=ctx.data, serial=drive.identity, unfreeze_mode=ctx.config["erase.unfreeze"])
        count, percent = int(ctx.config["erase.firmware_markers"]), float(ctx.config["wipe.sample_percent"])

        def work() -> None:
            try:
                self.result = firmware.execute_plan(chosen, fc, drive.facts, self.job_id, marker_count=count,
                                                    sample_percent=percent, sys_path=drive.sys_path)
            except BaseException as exc:  # reported by finish()
                self.error = exc

        self.thread = threading.Thread(target=work, name=f"purge {drive.path}", daemon=True)
        self.thread.start()

    def _record_start(self, ctx: StationContext) -> str:
        f, d = self.drive.facts, self.drive
        return ledger.record_start(ctx, WipeStarted(
            job_id=self.job_id, kind=JobKind.FIRMWARE, device=d.path, serial=d.identity, method="purge",
            verify="firmware", model=f.model, size_bytes=f.size_bytes, bus=f.bus, plan=self.plan.method,
            profiles=list(self.plan.profiles)), make=f.vendor, in_process=True)

    def _progress(self, label: str, percent: float) -> None:
        self._state = (label, percent)

    def done(self) -> bool:
        return not self.thread.is_alive()

    def status_line(self) -> str:
        label, pct = self._state
        return f"{self.label}: {self.plan.method} {label} {pct:.0f}%"

    def stop(self) -> None:
        self._stop.set()  # honoured between steps; a command already sent to the drive runs to its end

    def finish(self, ctx: StationContext) -> jobs.Finished:
        self.thread.join()
        result = self.result
        if result is None:
            reason = f"the firmware erase stopped on an internal error ({type(self.error).__name__}); " \
                     "the drive may be partly erased and is NOT certified"
            result = WipeResult(self.job_id, self.drive.facts, "purge", self.plan.method_type, self.plan.technique,
                                Status.FAILED, reason=reason, started_at=clock.iso(), ended_at=clock.iso())
        ledger.record_end(ctx, result, JobKind.FIRMWARE)
        finished = jobs.Finished(result, self.unit_uid)
        jobs.issue_certificate(ctx, finished)
        return finished


def start(ctx: StationContext, drive: Drive, method: str, prompt: OperatorPrompt | None) -> FirmwareRun | None:
    """A running Purge job; None when `auto` falls back to Clear. `purge` refused is a UserFacingError."""
    runner = CommandRunner()
    chosen = plan_drive(ctx, drive, runner)
    if isinstance(chosen, plan.Refusal):
        if method == "auto":
            return None
        raise UserFacingError(f"{drive.path}: {chosen.reason}. Nothing was erased; use "
                              "--method clear (overwrite) or --method auto.")
    return FirmwareRun(ctx, drive, chosen, runner, prompt)

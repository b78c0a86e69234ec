"""A firmware (Purge) job: the drive erases itself; erase/run.py chooses it and drives it.

The drive does the erasing, so the station only sends commands and reads a few sampled
sectors: it runs in a thread of this process (like a phone erase), never the GUI thread.
The job is recorded like an overwrite job (WipeJob row, wipe.started / wipe.finished
events) and ends with a signed certificate or failure report.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from station import clock
from station.certs.result import Status, WipeResult
from station.context import StationContext
from station.devices.drive.discover import Drive
from station.devices.drive.firmware_runner import CommandRunner
from station.erase import firmware, jobs, ledger, plan, profiles
from station.prompt import OperatorPrompt
from station.wipe_record import JobKind, WipeStarted


def load_profiles(ctx: StationContext) -> list[profiles.Profile]:
    folder = ctx.config["erase.profiles_dir"]
    return profiles.load_all(Path(folder).expanduser() if folder else None)


@dataclass(frozen=True)
class Chosen:
    """A Purge plan for one drive, and the runner that asked the drive (its records are evidence)."""

    plan: plan.Plan
    runner: CommandRunner


def choose(ctx: StationContext, drive: Drive, runner: CommandRunner) -> Chosen | plan.Refusal:
    """Fresh facts from the drive itself, completed by discovery's, then the Purge plan or the refusal."""
    live = firmware.probe(drive.path, drive.tool_facts.bus or drive.facts.bus or None, runner)
    facts = live.merge(drive.tool_facts)
    facts.serial = facts.serial or drive.facts.serial or None
    found = plan.plan_for(facts, "purge", load_profiles(ctx))
    return Chosen(found, runner) if isinstance(found, plan.Plan) else found


class FirmwareRun:
    """Runs in a thread of this process: the drive does the work, the station sends commands."""

    def __init__(self, ctx: StationContext, drive: Drive, chosen: Chosen, prompt: OperatorPrompt | None) -> None:
        self.label, self.drive, self.plan = drive.path, drive, chosen.plan
        runner = chosen.runner
        self.job_id = jobs.new_job_id()
        self._stop = threading.Event()
        self.state = ("starting", 0.0)  # (step, percent)
        self.result: WipeResult | None = None
        self.error: BaseException | None = None
        self.unit_uid = self._record_start(ctx)
        fc = firmware.FirmwareContext(
            drive.path, runner, progress=self._progress, should_stop=self._stop.is_set, prompt=prompt,
            data=ctx.data, serial=drive.identity, unfreeze_mode=ctx.config["erase.unfreeze"])
        count, percent = ctx.config.get_int("erase.firmware_markers"), ctx.config.get_float("wipe.sample_percent")

        def work() -> None:
            try:
                self.result = firmware.execute_plan(self.plan, fc, drive.facts, self.job_id, marker_count=count,
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
        self.state = (label, percent)

    def done(self) -> bool:
        return not self.thread.is_alive()

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
        return jobs.close(ctx, result, JobKind.FIRMWARE, self.unit_uid)


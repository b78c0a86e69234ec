"""One overwrite job as a procedure: startup(), execute(), shutdown().

startup() re-checks everything it was told (the guard, that the drive at the path is
still the one chosen, its size) and opens the drive exclusively; execute() writes the
passes and verifies the last one; shutdown() always runs, flushes and closes the drive
and forgets the key. The outcome is a WipeResult whose status is FINISHED only when
every pass completed with no bad range and the verification passed.

This runs inside the worker process (station.erase.worker), never in the GUI.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from station import clock
from station.certs.result import MediaFacts, Status, WipeResult, hidden_area_left
from station.devices.drive import discover
from station.devices.drive.firmware_runner import CommandRunner
from station.erase import guard, methods, verify
from station.erase.engine import Device, DriveGone, PassReport, StopRequested, open_device, write_pass
from station.erase.firmware_methods import FirmwareContext, StepFailed, hpa_reset
from station.erase.patterns import Pattern, make
from station.erase.progress import ProgressWriter
from station.errors import UserFacingError
from station.paths import DataDir

log = logging.getLogger(__name__)

THROUGHPUT_EVERY_S = 1.0


@dataclass
class JobSpec:
    job_id: str
    path: str
    media: MediaFacts
    method: str
    verify: methods.VerifyChoice
    identity: str  # what the drive at `path` must still be (serial, wwn, loop backing file)
    block_bytes: int = 4 << 20
    sample_percent: float = 10.0
    retries: int = 3
    data_dir: str = ""
    remove_hidden_area: bool = False  # the technician confirmed: restore the native max address first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> JobSpec:
        d = dict(d)
        d.pop("simulated", None)  # a spec written by an older station: the target's kind is read from the path
        d["media"] = MediaFacts(**d["media"])
        return cls(**d)


class Refused(Exception):
    """The job must not touch this target; nothing was written."""


def _check_target(spec: JobSpec, devices_only: bool) -> str:
    """The real path to open, after the same checks the GUI made, made again here."""
    real = os.path.realpath(spec.path)
    if devices_only and not stat.S_ISBLK(os.stat(real).st_mode if os.path.exists(real) else 0):
        raise Refused(f"{spec.path} is not a drive: the privileged helper wipes drives only; nothing was written.")
    if os.path.isfile(real):  # a drive image: only one in this station's bay folder
        if os.path.dirname(real) != os.path.realpath(DataDir(Path(spec.data_dir)).bays):
            raise Refused(f"{spec.path} is not a drive image of this station; nothing was written.")
        return real
    try:
        drive = discover.find(real)
    except UserFacingError as exc:
        raise Refused(str(exc)) from exc
    if drive.identity != spec.identity:
        raise Refused(f"The drive at {spec.path} is now {drive.identity}, not {spec.identity} as chosen; "
                      "nothing was written. Rescan and choose the drive again.")
    view = guard.SystemView.read(Path(spec.data_dir) if spec.data_dir else None)
    verdict = guard.check(drive, view)
    if not verdict.eligible:
        raise Refused(f"{spec.path} {verdict.text}; nothing was written.")
    return drive.path


def _check_users_again(real: str, data_dir: str, tries: int = 3) -> None:
    """With the drive held O_EXCL, ask again who else has it: a plain open is not kept out by
    O_EXCL. A udev probe opens a drive for a moment, so a reader is given a second look."""
    for attempt in range(tries):
        drive = discover.find(real, enrich=False)
        verdict = guard.check(drive, guard.SystemView.read(Path(data_dir) if data_dir else None))
        if verdict.eligible:
            return
        if attempt + 1 < tries:
            time.sleep(0.3)
    raise Refused(f"{real} {verdict.text}; nothing was written.")


class OverwriteJob:
    def __init__(self, spec: JobSpec, job_dir: Path, should_stop: Callable[[], bool], *,
                 devices_only: bool = False, runner: CommandRunner | None = None, dir_fd: int | None = None) -> None:
        self.spec, self.job_dir, self.should_stop = spec, job_dir, should_stop
        self.dir_fd = dir_fd
        self.devices_only = devices_only
        self.runner = runner or CommandRunner()
        self.method = methods.get(spec.method)
        media = replace(spec.media, hpa_dco=dict(spec.media.hpa_dco), extra=dict(spec.media.extra))
        self.result = WipeResult(
            job_id=spec.job_id, media=media, method=spec.method, method_type=self.method.method_type,
            technique=self.method.technique, status=Status.FAILED, passes=list(self.method.passes),
            started_at=clock.iso(),
        )
        self.dev: Device | None = None
        self._key: bytes | None = None
        self._t0 = time.monotonic()
        self._last_sample = 0.0
        self._sample_plan: verify.SamplePlan | None = None
        self.progress: ProgressWriter | None = None

    # -- the procedure ------------------------------------------------------------
    def run(self) -> WipeResult:
        try:
            self.startup()
            self.execute()
        except Refused as exc:
            self._fail(Status.FAILED, str(exc))
        except StopRequested:
            self._fail(Status.ABORTED, "Stopped by the operator; the drive is NOT erased.")
        except DriveGone as exc:
            self._fail(Status.FAILED, f"{exc}; the drive is NOT erased.")
        except UserFacingError as exc:
            self._fail(Status.FAILED, f"{exc} The drive is NOT erased.")
        except Exception as exc:
            log.exception("wipe job %s failed", self.spec.job_id)
            self._fail(Status.FAILED, f"Unexpected error ({type(exc).__name__}: {exc}); the drive is NOT erased.")
        finally:
            self.shutdown()
        return self.result

    def startup(self) -> None:
        methods.check_verify(self.method, self.spec.verify)
        real = _check_target(self.spec, self.devices_only)
        image = os.path.isfile(real)
        sys_path = None if image else os.path.realpath(f"/sys/class/block/{os.path.basename(real)}")
        expected_size = self.spec.media.size_bytes
        if self.method.writes and hidden_area_left(self.result.media.hpa_dco) and self.spec.remove_hidden_area:
            expected_size = self._remove_hidden_area(real, sys_path) or expected_size
        self.dev = open_device(real, write=self.method.writes, sys_path=sys_path)
        if not image:
            _check_users_again(real, self.spec.data_dir)
        if expected_size and self.dev.size != expected_size:
            raise Refused(f"{real} now reports {self.dev.size:,} bytes, not {expected_size:,} "
                          "as discovered; nothing was written. Rescan and try again.")
        if "random" in self.method.passes:
            self._key = secrets.token_bytes(32)
            self.result.key_sha256 = hashlib.sha256(self._key).hexdigest()
        verify_bytes = self._plan().bytes if self.spec.verify != "none" else 0
        total = self.dev.size * len(self.method.passes) + verify_bytes
        self.progress = ProgressWriter(self.job_dir, total, len(self.method.passes), dir_fd=self.dir_fd)

    def execute(self) -> None:
        assert self.dev is not None and self.progress is not None
        dev, spec = self.dev, self.spec
        for i, name in enumerate(self.method.passes):
            self.progress.begin("writing", dev.size, i + 1)
            report = PassReport()
            try:
                write_pass(dev, self._pattern(name, i), block=spec.block_bytes, retries=spec.retries,
                           progress=self._on_progress, should_stop=self.should_stop, report=report)
            finally:  # kept even when the pass ends early: the record says what was done
                self.result.bytes_written += report.bytes_written
                self.result.bad_ranges.extend(report.bad_ranges)
                self.result.retried_ranges.extend(report.retried_ranges)
            self.progress.end_phase()
        if spec.verify != "none":
            self._verify()
        if self.result.bad_ranges:
            self._fail(Status.FAILED, f"{len(self.result.bad_ranges)} range(s) could not be written; "
                       "the drive is NOT fully erased. Retire it or destroy it physically.")
        elif self.result.verification is not None and not self.result.verification.passed:
            v = self.result.verification
            self._fail(Status.FAILED, f"Verification failed: {len(v.mismatches)} range(s) do not hold "
                       f"{v.expected}; the drive is NOT erased.")
        else:
            self.result.status = Status.FINISHED
            self.result.reason = "" if spec.verify != "none" else "Not verified: the result cannot be certified."
            left = hidden_area_left(self.result.media.hpa_dco)
            if left:
                self.result.reason = (f"Every addressable sector was overwritten, but {left}: the drive is NOT "
                                      "sanitized. Wipe it again and confirm removing the hidden area.")

    def shutdown(self) -> None:
        self._key = None  # the key lives only as long as verification needs it
        if self.dev is not None:
            try:
                self.dev.close()
            except OSError:
                log.exception("closing %s", self.spec.path)
            self.dev = None
        if self.progress is not None:
            self.progress.finish()
        self.result.ended_at = clock.iso()
        done = self.result.bytes_written + (self.result.verification.bytes_read if self.result.verification else 0)
        self.result.throughput.append((round(time.monotonic() - self._t0, 3), done))

    # -- helpers --------------------------------------------------------------------
    def _remove_hidden_area(self, real: str, sys_path: str | None) -> int | None:
        """Restore the native max address (hdparm -N p<native>), so the passes reach the sectors
        an HPA hid; the drive's new size, or None when it could not be done (then the result says
        NOT sanitized, with the reason)."""
        fc = FirmwareContext(real, self.runner)
        try:
            found = hpa_reset(fc)
        except StepFailed as exc:
            self.result.notes.append(f"The HPA could not be removed: {exc.reason}.")
            return None
        finally:
            self.result.commands.extend(self.runner.records)
        self.result.media.hpa_dco.update(found)
        if not found.get("hpa_reset"):
            self.result.notes.append("The HPA was not removed: " + (found.get("hpa_note") or
                                     "the drive reported no hidden sectors to restore") + ".")
            return None
        if sys_path and os.path.exists(f"{sys_path}/device/rescan"):  # the kernel learns the new capacity
            Path(f"{sys_path}/device/rescan").write_text("1\n")
        native = int(found["native_max_sectors"])  # hdparm -N counts sectors, not the last LBA
        self.result.media.size_bytes = native * self.spec.media.logical_sector
        self.result.media.hpa_dco["hidden_area_erased"] = True  # the passes now cover it; sanitized still needs them
        return self.result.media.size_bytes

    def _pattern(self, name: str, index: int) -> Pattern:
        return make(name, self._key, index)

    def _plan(self) -> verify.SamplePlan:
        assert self.dev is not None
        if self.spec.verify == "full":
            return verify.full_plan(self.dev.size)
        if self._sample_plan is None:
            self._sample_plan = verify.sample_plan(self.dev.size, self.dev.sector, self.spec.sample_percent)
        return self._sample_plan

    def _verify(self) -> None:
        assert self.dev is not None and self.progress is not None
        passes = self.method.passes
        expected = self._pattern(passes[-1], len(passes) - 1) if passes else make(self.method.expected)
        plan = self._plan()
        self.progress.begin("verifying", plan.bytes)
        report = verify.CompareReport()
        try:
            verify.read_compare(self.dev, expected, plan.ranges, block=self.spec.block_bytes,
                                retries=self.spec.retries, progress=self._on_progress,
                                should_stop=self.should_stop, report=report)
        finally:
            self.result.verification = verify.verification(self.spec.verify, plan, report, expected, self.dev.size)
            self.result.bad_ranges.extend(report.bad_ranges)
        self.progress.end_phase()

    def _on_progress(self, done: int) -> None:
        assert self.progress is not None
        self.progress.update(done)
        now = time.monotonic() - self._t0
        if now - self._last_sample >= THROUGHPUT_EVERY_S:  # a curve for the certificate: ~1 point/s
            self.result.throughput.append((round(now, 3), self.progress.base + done))
            self._last_sample = now

    def _fail(self, status: Status, reason: str) -> None:
        self.result.status = status
        self.result.reason = reason


def seconds(result: WipeResult) -> float:
    return result.throughput[-1][0] if result.throughput else 0.0


"""Wipe jobs from the parent's side: start a worker per drive, watch it, record the end.

The GUI (and the CLI) never writes to a disk: `start()` records the job and its unit,
writes the job's spec into its folder and starts `station.erase.worker` there, in its
own session, through the privileged helper when one is configured (wipe.helper).
`JobHandle.progress()` reads the worker's shared progress file. `finish()` records the
outcome (WipeJob row, unit, wipe.finished event) and issues the certificate.

`recover()` runs at start: a job still RUNNING in the database whose worker is alive is
handed back to be watched; one whose worker left a result is finished normally; one
whose worker is gone without a result was cut off (app killed, power lost) and becomes
INTERRUPTED, never erased, ready for a one-key restart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from station import clock
from station.certs.result import MediaFacts, Status, WipeResult
from station.context import StationContext
from station.devices.drive.discover import Drive
from station.erase import ledger, methods
from station.erase.procedure import JobSpec
from station.erase.progress import Progress, ProgressReader
from station.erase.worker import LOG, PID, RESULT, SPEC, STOP, write_json_atomic
from station.errors import UserFacingError
from station.i18n import _
from station.models import WipeJob
from station.wipe_record import JobKind, WipeStarted

log = logging.getLogger(__name__)


def new_job_id() -> str:
    return f"W{clock.now():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


def _live_cmdline(pid: int) -> list[bytes] | None:
    """The arguments of a running process, or None when it is gone (or exited, not yet reaped)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return None
    return None if state == "Z" else cmdline


@dataclass
class JobHandle:
    job_id: str
    job_dir: Path
    path: str
    identity: str
    unit_uid: str | None = None
    pid: int | None = None
    process: subprocess.Popen[bytes] | None = None
    method: str = ""
    kind: JobKind = JobKind.OVERWRITE

    def __post_init__(self) -> None:
        self._reader = ProgressReader(self.job_dir)

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        if self.pid is None and (self.job_dir / PID).exists():
            self.pid = int((self.job_dir / PID).read_text().strip() or 0)
        return self.pid is not None and str(self.job_dir).encode() in (_live_cmdline(self.pid) or [])

    def progress(self) -> Progress | None:
        return self._reader.read()

    def stop(self) -> None:
        """Ask the worker to stop; it ends the current block, flushes and reports ABORTED."""
        (self.job_dir / STOP).touch()
        if self.pid:
            with contextlib.suppress(PermissionError, ProcessLookupError):  # privileged worker: the stop file does it
                os.kill(self.pid, signal.SIGTERM)

    def result(self) -> WipeResult | None:
        try:
            return WipeResult.from_dict(json.loads((self.job_dir / RESULT).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def close(self) -> None:
        self._reader.close()


def worker_argv(ctx: StationContext, image: bool) -> list[str]:
    helper = ctx.config["wipe.helper"]
    if helper and not image:  # a drive image is a file of ours: no privileges needed
        return shlex.split(helper)
    return [sys.executable, "-m", "station.erase.worker"]


def start(ctx: StationContext, drive: Drive, method: str, verify: str, *,
          remove_hidden_area: bool = False) -> JobHandle:
    """Record the job and its unit, then start its worker. Raises UserFacingError on a bad request.
    `remove_hidden_area`: the technician confirmed restoring the native max address first."""
    m = methods.get(method)
    checked = methods.check_verify(m, verify)
    block = ctx.config.get_int("wipe.block_mib")
    if block < 4:
        raise UserFacingError(_("wipe.block_mib is {block}; it must be at least 4. Fix it in {config_file}.").format(
                block=block, config_file=ctx.data.config_file))
    image = os.path.isfile(drive.path)
    if image:  # a drive image (demo bays): allocate it now, so the wipe runs at device speed
        fd = os.open(drive.path, os.O_RDWR | os.O_CLOEXEC)
        try:
            os.posix_fallocate(fd, 0, os.fstat(fd).st_size)
        finally:
            os.close(fd)
    job_id = new_job_id()
    job_dir = ctx.data.jobs / job_id
    # 0755 even under a shared bench's umask 007: a worker run as root for us refuses a folder others may write.
    job_dir.mkdir(parents=True, mode=0o755)
    spec = JobSpec(job_id=job_id, path=drive.path, media=drive.facts, method=method, verify=checked,
                   identity=drive.identity, block_bytes=block << 20,
                   sample_percent=ctx.config.get_float("wipe.sample_percent"),
                   retries=ctx.config.get_int("wipe.io_retries"), data_dir=str(ctx.data.root),
                   remove_hidden_area=remove_hidden_area)
    write_json_atomic(job_dir / SPEC, spec.to_dict())
    f = drive.facts
    unit_uid = ledger.record_start(ctx, WipeStarted(
        job_id=job_id, kind=JobKind.OVERWRITE, device=drive.path, serial=drive.identity, method=method,
        verify=checked, model=f.model, size_bytes=f.size_bytes, bus=f.bus), make=f.vendor, job_dir=job_dir)
    handle = JobHandle(job_id, job_dir, drive.path, drive.identity, unit_uid, method=method)
    try:
        with open(job_dir / LOG, "ab") as out:
            handle.process = subprocess.Popen(
                [*worker_argv(ctx, image), str(job_dir)], stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True, cwd=job_dir, close_fds=True)
    except OSError as exc:
        write_json_atomic(job_dir / RESULT, _synthesized(ctx, job_id, Status.FAILED,
                          f"The wipe worker could not start ({exc.strerror}); nothing was written.").to_dict())
        return handle
    handle.pid = handle.process.pid
    ledger.set_pid(ctx, job_id, handle.pid)
    return handle


def _synthesized(ctx: StationContext, job_id: str, status: Status, reason: str) -> WipeResult:
    with ctx.store.reader() as s:
        row = s.get(WipeJob, job_id)
    spec_file = ctx.data.jobs / job_id / SPEC
    try:
        spec = JobSpec.from_dict(json.loads(spec_file.read_text(encoding="utf-8")))
        media, method = spec.media, spec.method
    except (OSError, ValueError, TypeError, KeyError):
        media = MediaFacts(path=row.device if row else "", model=(row.model or "") if row else "",
                           serial=(row.serial or "") if row else "", size_bytes=row.size_bytes if row else 0)
        method = row.method if row else ""
    m = methods.METHODS.get(method)
    return WipeResult(job_id=job_id, media=media, method=method, method_type=m.method_type if m else "none",
                      technique=m.technique if m else "overwrite", status=status, reason=reason,
                      passes=list(m.passes) if m else [], started_at=row.started_at if row else "",
                      ended_at=clock.iso())


@dataclass
class Finished:
    result: WipeResult
    unit_uid: str | None
    certificate_json: str | None = None
    certificate_pdf: str | None = None
    certificate_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = self.result.to_dict()
        d.update(unit=self.unit_uid, certificate=self.certificate_json, certificate_pdf=self.certificate_pdf)
        if self.certificate_error:
            d["certificate_error"] = self.certificate_error
        return d


def finish(ctx: StationContext, handle: JobHandle) -> Finished:
    """Record the outcome of an ended job (once) and issue its certificate."""
    result = handle.result()
    if result is None:
        why = ("The wipe was cut off (the station or its worker stopped before it ended); "
               "the drive is NOT erased. Restart the wipe.")
        result = _synthesized(ctx, handle.job_id, Status.INTERRUPTED, why + _log_tail(handle.job_dir))
        handle.job_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(handle.job_dir / RESULT, result.to_dict())
    finished = close(ctx, result, handle.kind)
    handle.unit_uid = finished.unit_uid
    handle.close()
    return finished


def close(ctx: StationContext, result: WipeResult, kind: JobKind, unit_uid: str | None = None) -> Finished:
    """Record the end of a job of any kind and issue its certificate, once: when the end was already
    recorded (by another window, or an earlier call), nothing is recorded or issued again."""
    ended = ledger.record_end(ctx, result, kind)
    finished = Finished(result, ended.unit_uid or unit_uid)
    if ended.recorded:
        _issue_certificate(ctx, finished)
    return finished


def _issue_certificate(ctx: StationContext, finished: Finished) -> None:
    """A signed certificate or failure report; a failure to issue is kept on `finished`, never raised."""
    from station.certs import certificate

    try:
        issued = certificate.issue(ctx, finished.result, finished.unit_uid)
    except Exception as exc:
        log.exception("certificate for job %s", finished.result.job_id)
        finished.certificate_error = str(exc) if isinstance(exc, UserFacingError) else type(exc).__name__
        return
    finished.certificate_json = str(issued.json_path)
    finished.certificate_pdf = str(issued.pdf_path) if issued.pdf_path else None


def _log_tail(job_dir: Path, lines: int = 3) -> str:
    try:
        tail = (job_dir / LOG).read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return (" Worker log: " + " | ".join(tail)) if tail else ""


@dataclass
class Recovery:
    running: list[JobHandle]
    finished: list[Finished]


def _in_process_job_alive(pid: int | None) -> bool:
    """A job run inside a station process (phone reset, firmware erase) lives as long as that process.
    Without a recorded pid nobody can tell: such a job is left alone, never declared interrupted."""
    cmdline = _live_cmdline(pid) if pid is not None else [b"station"]
    return cmdline is not None and any(b"station" in arg for arg in cmdline)


def recover(ctx: StationContext) -> Recovery:
    """Jobs left RUNNING by an earlier session: watch the live ones, close the rest."""
    with ctx.store.reader() as s:
        rows = list(s.execute(select(WipeJob).where(WipeJob.status == "RUNNING")).scalars())
    out = Recovery([], [])
    for row in rows:
        handle = JobHandle(row.id, Path(row.job_dir or ctx.data.jobs / row.id), row.device, row.serial or "",
                           pid=row.pid, method=row.method, kind=ledger.kind_of(row))
        if not (handle.job_dir / SPEC).exists():  # not a worker job of ours
            if not _in_process_job_alive(row.pid):
                out.finished.append(finish(ctx, handle))
        elif handle.alive():
            out.running.append(handle)
        else:
            out.finished.append(finish(ctx, handle))
    return out


def interrupted(ctx: StationContext) -> list[WipeJob]:
    """INTERRUPTED jobs not yet followed by another job on the same drive: the restart list."""
    with ctx.store.reader() as s:
        rows = list(s.execute(select(WipeJob).where(WipeJob.status == "INTERRUPTED")
                              .order_by(WipeJob.started_at.desc()).limit(200)).scalars())
        latest: dict[str | None, str] = {}
        for serial, started in s.execute(select(WipeJob.serial, WipeJob.started_at)
                                         .where(WipeJob.serial.in_({r.serial for r in rows}))):
            latest[serial] = max(started, latest.get(serial, ""))
    return [r for r in rows if latest.get(r.serial) == r.started_at]


def restart(ctx: StationContext, job_id: str, drive: Drive) -> JobHandle:
    with ctx.store.reader() as s:
        row = s.get(WipeJob, job_id)
    if row is None:
        raise UserFacingError(_("Wipe job {job_id} is not in this station's database.").format(job_id=job_id))
    if row.serial != drive.identity:
        raise UserFacingError(_("The drive {path} is {identity}, not {serial} from job {job_id}; connect "
                                "that drive to restart its wipe.").format(
                path=drive.path, identity=drive.identity, serial=row.serial, job_id=job_id))
    return start(ctx, drive, row.method, row.verify)


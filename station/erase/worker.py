"""The wipe worker process: `python -m station.erase.worker [--devices-only] JOB_DIR`.

One process per drive. It reads JOB_DIR/spec.json, runs the overwrite procedure, and
writes JOB_DIR/result.json (atomically) before it exits. Run as root for a caller, it
trusts nothing in the folder (see station.erase.jobfiles): the folder must be the
caller's, the job id must be a station job id naming it, every file is reached through
the folder's descriptor and created afresh, and the log is the caller's stderr. Progress goes to the shared
progress file. It never touches the database: the parent records the outcome.

Stopping: SIGTERM/SIGINT, or a file JOB_DIR/stop (which also works when the worker
runs privileged through the helper and the GUI may not signal it). The worker runs in
its own session, so closing or killing the GUI does not stop a wipe: the next start
finds it running, or finds its result, or, if it died too, marks it INTERRUPTED.

--devices-only is passed by the privileged helper: block devices only, never files.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

from station.certs.result import WipeResult
from station.erase import jobfiles
from station.erase.jobfiles import Untrusted, escape
from station.erase.procedure import JobSpec, OverwriteJob
from station.i18n import _

SPEC, RESULT, STOP, LOG, PID = "spec.json", "result.json", "stop", "worker.log", "worker.pid"
STOP_CHECK_S = 0.2

log = logging.getLogger("station.erase.worker")


def write_json_atomic(path: Path, doc: dict) -> None:
    """Write `doc` to `path` atomically (the rename survives a power cut), never through a link."""
    dir_fd = jobfiles.open_dir(path.parent)
    try:
        jobfiles.write_json(dir_fd, path.name, doc)
    finally:
        os.close(dir_fd)


class StopFlag:
    def __init__(self, dir_fd: int) -> None:
        self.dir_fd = dir_fd
        self.requested = False
        self._checked = 0.0

    def __call__(self) -> bool:
        if not self.requested:
            now = time.monotonic()
            if now - self._checked >= STOP_CHECK_S:
                self._checked = now
                self.requested = jobfiles.exists(self.dir_fd, STOP)
        return self.requested

    def on_signal(self, signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        self.requested = True


def load_spec(job_dir: Path, dir_fd: int) -> JobSpec:
    """The job's spec, checked: a station job id that names its folder, and only known fields."""
    doc = jobfiles.read_json(dir_fd, SPEC)
    job_id = jobfiles.check_job_id(doc.get("job_id"))
    if job_id != job_dir.name:
        raise Untrusted(f"the folder {escape(job_dir.name)} is not named after its job {job_id}")
    try:
        spec = JobSpec.from_dict(doc)
    except (TypeError, KeyError, ValueError) as exc:
        raise Untrusted(f"{SPEC} is not a station job spec ({escape(str(exc))})") from exc
    if not all(isinstance(v, str) for v in (spec.path, spec.method, spec.verify, spec.identity, spec.data_dir)):
        raise Untrusted(f"{SPEC} has fields of the wrong type")
    return spec


def run(job_dir: Path, dir_fd: int, spec: JobSpec, *, devices_only: bool = False) -> WipeResult:
    flag = StopFlag(dir_fd)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, flag.on_signal)
    jobfiles.write_atomic(dir_fd, PID, f"{os.getpid()}\n".encode())  # never read half-written
    log.info("job %s: %s on %s, verify %s", spec.job_id, escape(spec.method), escape(spec.path), escape(spec.verify))
    result = OverwriteJob(spec, job_dir, flag, devices_only=devices_only, dir_fd=dir_fd).run()
    jobfiles.write_json(dir_fd, RESULT, result.to_dict())
    log.info("job %s: %s %s", spec.job_id, result.status.value, escape(result.reason))
    return result


def untrusted_code() -> str | None:
    """Under pkexec the worker runs as root: its own code must not be writable by anyone else."""
    import station

    for path in (Path(station.__file__).parent, Path(__file__)):
        st = path.stat()
        if st.st_uid != 0 or st.st_mode & 0o022:
            return f"{path} is not owned by root or is writable by others"
    return None


def caller_uid() -> int | None:
    """Whose job this is when running as root for someone else (pkexec, sudo); None otherwise."""
    if os.geteuid() != 0:
        return None
    for name in ("PKEXEC_UID", "SUDO_UID"):
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="station-wipe-worker")
    parser.add_argument("--devices-only", action="store_true", help=_("refuse anything but a block device"))
    parser.add_argument("job_dir", type=Path)
    args = parser.parse_args(argv)
    job_dir = Path(os.path.abspath(args.job_dir))  # not resolved: a link in its place is refused below
    if os.geteuid() == 0 and "PKEXEC_UID" in os.environ:
        problem = untrusted_code()
        if problem:
            print(f"station-wipe-worker: refusing to run privileged: {problem}. Install the station "
                  "root-owned (docs/wipe.md).", file=sys.stderr)
            return 2
    # The log goes to stderr, which the caller opened on its own worker.log: the worker opens no log file.
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        dir_fd = jobfiles.open_dir(job_dir, owner=caller_uid())
    except Untrusted as exc:
        print(f"station-wipe-worker: refusing: {exc}; nothing was done.", file=sys.stderr)
        return 2
    try:
        spec = load_spec(job_dir, dir_fd)
    except Untrusted as exc:
        print(f"station-wipe-worker: refusing: {exc}; nothing was done.", file=sys.stderr)
        return 2
    try:
        result = run(job_dir, dir_fd, spec, devices_only=args.devices_only)
    finally:
        os.close(dir_fd)
    return 0 if result.sanitized else 1


if __name__ == "__main__":
    sys.exit(main())

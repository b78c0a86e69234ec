"""The wipe worker process: `python -m station.erase.worker [--devices-only] JOB_DIR`.

One process per drive. It reads JOB_DIR/spec.json, runs the overwrite procedure, and
writes JOB_DIR/result.json (atomically) before it exits. Progress goes to the shared
progress file. It never touches the database: the parent records the outcome.

Stopping: SIGTERM/SIGINT, or a file JOB_DIR/stop (which also works when the worker
runs privileged through the helper and the GUI may not signal it). The worker runs in
its own session, so closing or killing the GUI does not stop a wipe: the next start
finds it running, or finds its result, or, if it died too, marks it INTERRUPTED.

--devices-only is passed by the privileged helper: block devices only, never files.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from station.erase.procedure import JobSpec, OverwriteJob
from station.erase.result import WipeResult

SPEC, RESULT, STOP, LOG, PID = "spec.json", "result.json", "stop", "worker.log", "worker.pid"
STOP_CHECK_S = 0.2

log = logging.getLogger("station.erase.worker")


def write_json_atomic(path: Path, doc: dict) -> None:  # type: ignore[type-arg]
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)


class StopFlag:
    def __init__(self, job_dir: Path) -> None:
        self.stop_file = job_dir / STOP
        self.requested = False
        self._checked = 0.0

    def __call__(self) -> bool:
        if not self.requested:
            now = time.monotonic()
            if now - self._checked >= STOP_CHECK_S:
                self._checked = now
                self.requested = self.stop_file.exists()
        return self.requested

    def on_signal(self, signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        self.requested = True


def run(job_dir: Path, *, devices_only: bool = False) -> WipeResult:
    spec = JobSpec.from_dict(json.loads((job_dir / SPEC).read_text(encoding="utf-8")))
    flag = StopFlag(job_dir)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, flag.on_signal)
    (job_dir / PID).write_text(f"{os.getpid()}\n")
    log.info("job %s: %s on %s, verify %s", spec.job_id, spec.method, spec.path, spec.verify)
    result = OverwriteJob(spec, job_dir, flag, devices_only=devices_only).run()
    write_json_atomic(job_dir / RESULT, result.to_dict())
    log.info("job %s: %s %s", spec.job_id, result.status.value, result.reason)
    return result


def untrusted_code() -> str | None:
    """Under pkexec the worker runs as root: its own code must not be writable by anyone else."""
    import station

    for path in (Path(station.__file__).parent, Path(__file__)):
        st = path.stat()
        if st.st_uid != 0 or st.st_mode & 0o022:
            return f"{path} is not owned by root or is writable by others"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="station-wipe-worker")
    parser.add_argument("--devices-only", action="store_true", help="refuse anything but a block device")
    parser.add_argument("job_dir", type=Path)
    args = parser.parse_args(argv)
    job_dir = args.job_dir.resolve()
    if os.geteuid() == 0 and "PKEXEC_UID" in os.environ:
        problem = untrusted_code()
        if problem:
            print(f"station-wipe-worker: refusing to run privileged: {problem}. Install the station "
                  "root-owned (docs/wipe.md).", file=sys.stderr)
            return 2
    if not (job_dir / SPEC).is_file():
        print(f"station-wipe-worker: {job_dir} holds no {SPEC}", file=sys.stderr)
        return 2
    logging.basicConfig(filename=job_dir / LOG, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    result = run(job_dir, devices_only=args.devices_only)
    return 0 if result.sanitized else 1


if __name__ == "__main__":
    sys.exit(main())

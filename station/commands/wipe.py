"""`station wipe DEVICE... --method M --verify full|sample|none [--json] [--yes]`.

Every drive is wiped in its own worker process, all at once. Progress goes to stderr;
the results go to stdout (a table, or with --json a list with one object per drive).
The exit status is 0 only when every target finished and passed. Ctrl+C stops every
job cleanly (ABORTED, recorded) and exits 130.

Two small dispatch points keep later erase kinds easy to add: `target_kind()` (drive,
or a phone for "adb:SERIAL") and `start_drive()` (which method runs how).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import Any, Protocol

from station.commands.drives import entries
from station.context import StationContext, open_station
from station.devices.drives import DriveEntry, size_text
from station.erase import discover, firmware_job, jobs, methods
from station.erase.result import Status, WipeResult
from station.errors import Cancelled, UserFacingError
from station.prompt import TerminalPrompt

POLL_S = 0.1
PRINT_EVERY_S = 2.0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("wipe", help="overwrite and verify drives, each in its own worker process")
    p.add_argument("targets", nargs="+", metavar="DEVICE",
                   help="/dev/sdX, /dev/disk/by-id/..., a serial number, or adb:SERIAL for a phone")
    p.add_argument("--method", help=f"one of {', '.join(methods.METHODS)}, purge (firmware, planned) or auto "
                   "(purge when the drive supports it, else clear) (default: wipe.default_method)")
    p.add_argument("--verify", choices=methods.VERIFY_MODES, help="default: wipe.default_verify")
    p.add_argument("--json", action="store_true", help="print one result object per drive, in a list")
    p.add_argument("--yes", action="store_true", help="do not ask before erasing")
    p.set_defaults(func=_wipe)


class Run(Protocol):
    label: str

    def done(self) -> bool: ...

    def status_line(self) -> str: ...

    def stop(self) -> None: ...

    def finish(self, ctx: StationContext) -> jobs.Finished: ...


class DriveRun:
    def __init__(self, entry: DriveEntry, handle: jobs.JobHandle) -> None:
        self.entry, self.handle = entry, handle
        self.label = entry.drive.path

    def done(self) -> bool:
        return not self.handle.alive()

    def status_line(self) -> str:
        p = self.handle.progress()
        if p is None:
            return f"{self.label}: starting"
        eta = f", ETA {p.eta_s:.0f} s" if p.eta_s is not None else ""
        return f"{self.label}: {p.step} {100 * p.fraction:.0f}%, {p.rate / 1e6:.0f} MB/s{eta}"

    def stop(self) -> None:
        self.handle.stop()

    def finish(self, ctx: StationContext) -> jobs.Finished:
        return jobs.finish(ctx, self.handle)


class PhoneRun:
    """A phone erase runs in a thread of this process: it talks adb, it writes no disk."""

    def __init__(self, ctx: StationContext, serial: str, method: str, assume_yes: bool) -> None:
        try:
            from station.devices.phone.wipe import wipe_phone  # type: ignore[import-not-found]
        except ImportError as exc:
            raise UserFacingError("Phone erase is not available in this build; nothing was erased.") from exc
        self.label = f"adb:{serial}"
        self.result: WipeResult | None = None
        self.error: BaseException | None = None

        def work() -> None:
            try:
                # The erase was confirmed above; questions during a guided reset need a real answer, not --yes.
                self.result = wipe_phone(ctx, serial, TerminalPrompt(), method)
            except BaseException as exc:  # reported by finish()
                self.error = exc

        self.thread = threading.Thread(target=work, name=self.label, daemon=True)
        self.thread.start()

    def done(self) -> bool:
        return not self.thread.is_alive()

    def status_line(self) -> str:
        return f"{self.label}: erasing"

    def stop(self) -> None:
        pass  # a factory reset cannot be taken back once sent

    def finish(self, ctx: StationContext) -> jobs.Finished:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        from station.devices.phone.records import job_outcome  # wipe_phone recorded it and issued the certificate

        return jobs.Finished(self.result, *job_outcome(ctx, self.result.job_id))


def target_kind(target: str) -> str:
    """Which engine a target goes to: 'phone' for adb:SERIAL, else 'drive'."""
    return "phone" if target.startswith("adb:") else "drive"


def start_drive(ctx: StationContext, entry: DriveEntry, method: str, verify: str) -> Run:
    """Method dispatch for drives: purge/auto go to the planner's firmware erase, overwrites to worker jobs."""
    if method in firmware_job.FIRMWARE_METHODS:
        run = firmware_job.start(ctx, entry.drive, method, TerminalPrompt())
        if run is not None:
            return run
        method = "clear"  # auto: no Purge possible on this drive, so Clear by overwrite
    return DriveRun(entry, jobs.start(ctx, entry.drive, method, verify))


def _resolve(ctx: StationContext, targets: list[str]) -> list[DriveEntry]:
    found = entries(ctx) if targets else []
    chosen = []
    for target in targets:
        key = os.path.realpath(target) if target.startswith("/") else target
        match = [e for e in found if key in (e.drive.path, e.drive.identity, e.drive.facts.serial, e.drive.name)]
        if not match:
            if not ctx.demo:
                discover.find(target)  # raises the precise reason: a partition, or not attached
            raise UserFacingError(f"No drive {target} is attached. Run 'station drives' to list the drives.")
        entry = match[0]
        if not entry.verdict.eligible:
            raise UserFacingError(f"{target} will not be wiped: it {entry.verdict.text}. Nothing was written.")
        chosen.append(entry)
    return chosen


def _wait(runs: list[Run], ctx: StationContext) -> list[jobs.Finished]:
    last_print = 0.0
    stopping = False
    while True:
        try:
            while not all(r.done() for r in runs):
                if time.monotonic() - last_print >= PRINT_EVERY_S:
                    print("; ".join(r.status_line() for r in runs if not r.done()), file=sys.stderr, flush=True)
                    last_print = time.monotonic()
                time.sleep(POLL_S)
            break
        except KeyboardInterrupt:
            if not stopping:
                print("stopping every job; waiting for them to flush and close", file=sys.stderr, flush=True)
                for r in runs:
                    r.stop()
                stopping = True
    return [r.finish(ctx) for r in runs]


def result_dict(f: jobs.Finished) -> dict[str, Any]:
    r, v = f.result, f.result.verification
    seconds = r.throughput[-1][0] if r.throughput else 0.0
    total = r.bytes_written + (v.bytes_read if v else 0)
    return {
        "job_id": r.job_id, "path": r.media.path, "model": r.media.model, "serial": r.media.serial,
        "size_bytes": r.media.size_bytes, "method": r.method, "method_type": r.method_type,
        "verification": None if v is None else {
            "mode": v.mode, "passed": v.passed, "bytes_read": v.bytes_read, "percent_of_media": v.percent_of_media,
            "ranges_read": v.ranges_read, "expected": v.expected, "mismatched_ranges": len(v.mismatches),
            **{k: v.detail[k] for k in ("standard", "subsections", "seed", "ranges_sha256") if k in v.detail}},
        "status": r.status.value, "reason": r.reason, "sanitized": r.sanitized,
        "bytes_written": r.bytes_written, "bytes_verified": v.bytes_read if v else 0,
        "bad_ranges": [list(x) for x in r.bad_ranges], "seconds": seconds,
        "throughput_mb_s": round(total / seconds / 1e6, 1) if seconds else None,
        "unit": f.unit_uid, "certificate": f.certificate_json, "certificate_pdf": f.certificate_pdf,
        **({"certificate_error": f.certificate_error} if f.certificate_error else {}),
    }


def _wipe(args: argparse.Namespace) -> int:
    ctx = open_station(args.data_dir)
    try:
        method = args.method or ctx.config["wipe.default_method"]
        verify = args.verify or ctx.config["wipe.default_verify"]
        phones = [t.removeprefix("adb:") for t in args.targets if target_kind(t) == "phone"]
        drives = _resolve(ctx, [t for t in args.targets if target_kind(t) == "drive"])
        if drives and method not in firmware_job.FIRMWARE_METHODS:
            methods.check_verify(methods.get(method), verify)
        names = [f"{e.drive.path} ({e.drive.facts.model or '-'}, {e.drive.identity}, "
                 f"{size_text(e.drive.facts.size_bytes)})" for e in drives] + [f"phone {p}" for p in phones]
        prompt = TerminalPrompt(args.yes)
        if methods.METHODS.get(method, methods.METHODS["clear"]).writes or phones:
            if not prompt.confirm(f"ERASE ALL DATA with '{method}' on: {'; '.join(names)}? This cannot be undone."):
                raise Cancelled
        runs: list[Run] = [start_drive(ctx, e, method, verify) for e in drives]
        runs += [PhoneRun(ctx, p, args.method or "auto", args.yes) for p in phones]
        finished = _wait(runs, ctx)
    finally:
        ctx.close()
    results = [result_dict(f) for f in finished]
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for r in results:
            verdict = "SANITIZED" if r["sanitized"] else r["status"]
            cert = f"  certificate: {r['certificate']}" if r["certificate"] else ""
            mode = r["verification"]["mode"] if r["verification"] else "none"
            print(f"{r['path']}: {verdict} ({r['method']}, verify {mode}, {r['throughput_mb_s']} MB/s) "
                  f"{r['reason']}{cert}".rstrip())
    aborted = any(f.result.status is Status.ABORTED for f in finished)
    if aborted:
        return 130
    return 0 if all(f.result.status is Status.FINISHED for f in finished) else 1

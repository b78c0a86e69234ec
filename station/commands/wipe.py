"""`station wipe DEVICE... --method M --verify full|sample|none [--json] [--yes]`.

Every drive is wiped in its own worker process, all at once. Progress goes to stderr;
the results go to stdout (a table, or with --json a list with one object per drive).
The exit status is 0 only when every target is sanitized (or, for a verify-only method,
passed its check); any other outcome, a phone that kept its owner's data or a wipe run
with --verify none among them, exits 1. Ctrl+C stops every job cleanly (ABORTED,
recorded) and exits 130.

A thin wrapper over station.erase.run.WipeRun (which method runs how, the prompt, the
ledger), which the Wipe panel wraps too; `target_kind()` tells a phone ("adb:SERIAL")
from a drive.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from station.certs.result import Status, WipeResult
from station.commands.drives import entries
from station.context import StationContext, open_station
from station.devices.drive import discover
from station.devices.drives import DriveEntry, size_text
from station.erase import jobs, methods
from station.erase.run import AUTO, WipeRun
from station.errors import Cancelled, UserFacingError
from station.i18n import _
from station.prompt import TerminalPrompt

POLL_S = 0.1
PRINT_EVERY_S = 2.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("wipe", help=_("overwrite and verify drives, each in its own worker process"))
    p.add_argument("targets", nargs="+", metavar="DEVICE",
                   help=_("/dev/sdX, /dev/disk/by-id/..., a serial number, adb:SERIAL for a phone, or ios:UDID for "
                        "an iPhone or iPad"))
    p.add_argument(
        "--method",
        help=_(
            "one of {value}, purge (firmware, planned) or auto (purge when the drive supports it, else clear) "
            "(default: wipe.default_method)"
        ).format(value=", ".join(methods.METHODS)),
    )
    p.add_argument("--verify", choices=methods.VERIFY_MODES, help=_("default: wipe.default_verify"))
    p.add_argument("--json", action="store_true", help=_("print one result object per drive, in a list"))
    p.add_argument("--yes", action="store_true", help=_("do not ask before erasing"))
    p.set_defaults(func=_wipe)


def target_kind(target: str) -> str:
    """'phone' for adb:SERIAL, 'iphone' for ios:UDID, else 'drive'."""
    if target.startswith("ios:"):
        return "iphone"
    return "phone" if target.startswith("adb:") else "drive"


def _status_line(run: WipeRun) -> str:
    p = run.progress()
    rate = f", {p.rate / 1e6:.0f} MB/s" if p.rate else ""
    eta = f", ETA {p.eta_s:.0f} s" if p.eta_s is not None else ""
    return f"{run.label}: {p.step} {100 * p.fraction:.0f}%{rate}{eta}"


def _resolve(ctx: StationContext, targets: list[str]) -> list[DriveEntry]:
    found = entries(ctx) if targets else []
    chosen = []
    for target in targets:
        key = os.path.realpath(target) if target.startswith("/") else target
        match = [e for e in found if key in (e.drive.path, e.drive.identity, e.drive.facts.serial, e.drive.name)]
        if not match:
            if not ctx.demo:
                discover.find(target)  # raises the precise reason: a partition, or not attached
            raise UserFacingError(
                _("No drive {target} is attached. Run 'station drives' to list the drives.").format(target=target)
            )
        entry = match[0]
        if not entry.verdict.eligible:
            raise UserFacingError(
                _("{target} will not be wiped: it {text}. Nothing was written.").format(
                    target=target, text=entry.verdict.shown
                )
            )
        chosen.append(entry)
    return chosen


def _wait(runs: list[WipeRun]) -> list[jobs.Finished]:
    last_print = 0.0
    stopping = False
    while True:
        try:
            while not all(r.done() for r in runs):
                if time.monotonic() - last_print >= PRINT_EVERY_S:
                    print("; ".join(_status_line(r) for r in runs if not r.done()), file=sys.stderr, flush=True)
                    last_print = time.monotonic()
                time.sleep(POLL_S)
            break
        except KeyboardInterrupt:
            if not stopping:
                print(_("stopping every job; waiting for them to flush and close"), file=sys.stderr, flush=True)
                for r in runs:
                    r.stop()
                stopping = True
    return [r.finish() for r in runs]


def result_dict(f: jobs.Finished) -> dict[str, Any]:
    r, v = f.result, f.result.verification
    seconds = r.throughput[-1][0] if r.throughput else 0.0
    total = r.bytes_written + (v.bytes_read if v else 0)
    return {
        "job_id": r.job_id,
        "path": r.media.path,
        "model": r.media.model,
        "serial": r.media.serial,
        "size_bytes": r.media.size_bytes,
        "method": r.method,
        "method_type": r.method_type,
        "verification": None
        if v is None
        else {
            "mode": v.mode,
            "passed": v.passed,
            "bytes_read": v.bytes_read,
            "percent_of_media": v.percent_of_media,
            "ranges_read": v.ranges_read,
            "expected": v.expected,
            "mismatched_ranges": len(v.mismatches),
            **{k: v.detail[k] for k in ("standard", "subsections", "seed", "ranges_sha256") if k in v.detail},
        },
        "status": r.status.value,
        "reason": r.reason,
        "sanitized": r.sanitized,
        "bytes_written": r.bytes_written,
        "bytes_verified": v.bytes_read if v else 0,
        "bad_ranges": [list(x) for x in r.bad_ranges],
        "seconds": seconds,
        "throughput_mb_s": round(total / seconds / 1e6, 1) if seconds else None,
        "unit": f.unit_uid,
        "certificate": f.certificate_json,
        "certificate_pdf": f.certificate_pdf,
        **({"certificate_error": f.certificate_error} if f.certificate_error else {}),
    }


RECORD_GRACE_S = 30.0  # a result younger than this may still be on its way into the starter's record


def reconcile(ctx: StationContext, grace_s: float = RECORD_GRACE_S) -> list[jobs.Finished]:
    """Wipes an earlier `station wipe` started and never recorded (it was killed while its
    workers ran on): each ended worker's result is recorded now and its certificate issued."""
    from sqlalchemy import select

    from station.erase import ledger
    from station.erase.worker import RESULT, SPEC
    from station.models import WipeJob

    with ctx.store.reader() as s:
        rows = list(s.execute(select(WipeJob).where(WipeJob.status == "RUNNING")).scalars())
    done = []
    for row in rows:
        if not row.job_dir:
            continue
        handle = jobs.JobHandle(
            row.id,
            Path(row.job_dir),
            row.device,
            row.serial or "",
            pid=row.pid,
            method=row.method,
            kind=ledger.kind_of(row),
        )
        result = handle.job_dir / RESULT
        if not (handle.job_dir / SPEC).exists() or not result.exists() or handle.alive():
            continue
        if time.time() - result.stat().st_mtime < grace_s:
            continue
        done.append(jobs.finish(ctx, handle))
    return done


def _wipe(args: argparse.Namespace) -> int:
    ctx = open_station(args.data_dir)
    try:
        for late in reconcile(ctx):
            print(
                _(
                    "Recorded the earlier wipe {job_id} of {path} ({value}), whose station stopped before recording it."
                ).format(
                    job_id=late.result.job_id,
                    path=late.result.media.path,
                    value="SANITIZED" if late.result.sanitized else late.result.status.value,
                ),
                file=sys.stderr,
            )
        method = args.method or ctx.config["wipe.default_method"]
        verify = args.verify or ctx.config["wipe.default_verify"]
        phones = [t for t in args.targets if target_kind(t) == "phone"]
        drives = _resolve(ctx, [t for t in args.targets if target_kind(t) == "drive"])
        # Questions during a wipe need a real answer, not --yes; the terminal prompt keeps them off stdout.
        during = TerminalPrompt()
        runs = [WipeRun.for_drive(ctx, e.drive, method, verify, during) for e in drives]
        runs += [WipeRun.for_phone(ctx, p, during, args.method or AUTO) for p in phones]
        iphones = [t for t in args.targets if target_kind(t) == "iphone"]
        runs += [WipeRun.for_iphone(ctx, t, during, args.method or AUTO) for t in iphones]
        for run in runs:
            run.checked_plan()  # a refusal stops everything before anything is erased
        names = [
            f"{e.drive.path} ({e.drive.facts.model or '-'}, {e.drive.identity}, {size_text(e.drive.facts.size_bytes)})"
            for e in drives
        ]
        names += [f"phone {p}" for p in phones] + [f"iPhone {t}" for t in iphones]
        shown = ", ".join(sorted({r.plan().runs for r in runs}))
        writes = any(methods.METHODS.get(r.plan().runs, methods.METHODS["clear"]).writes for r in runs)
        if writes and not TerminalPrompt(args.yes).confirm(
            f"ERASE ALL DATA with '{shown}' on: {'; '.join(names)}? This cannot be undone."
        ):
            raise Cancelled
        for run in runs:
            run.start()
        finished = _wait(runs)
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
            print(
                f"{r['path']}: {verdict} ({r['method']}, verify {mode}, {r['throughput_mb_s']} MB/s) "
                f"{r['reason']}{cert}".rstrip()
            )
    return exit_status([f.result for f in finished])


def exit_status(results: list[WipeResult]) -> int:
    """0 only for what the certificates may call done: sanitized, or a verify-only check that passed."""
    if any(r.status is Status.ABORTED for r in results):
        return 130
    checked = [
        r.sanitized
        or (
            r.method_type == "none"
            and r.status is Status.FINISHED
            and r.verification is not None
            and r.verification.passed
        )
        for r in results
    ]
    return 0 if checked and all(checked) else 1

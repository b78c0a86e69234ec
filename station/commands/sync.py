"""`station sync --once | status`: send the outbox to the hub now, or show where sync stands."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import threading
from dataclasses import asdict

from station.context import open_station
from station.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help=_("send work to the hub and pull its configuration"),
                       description="Without an action: run sync in the foreground until Ctrl+C.")
    p.add_argument("--once", action="store_true", help="one pass: send everything due now, then exit")
    p.set_defaults(func=_run, sync_command=None)
    ssub = p.add_subparsers(dest="sync_command", metavar="ACTION")
    st = ssub.add_parser("status", help="online/offline, what waits to be sent, last error (exit 0 when all sent)")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    st.set_defaults(func=_status)


def _run(args: argparse.Namespace) -> int:
    from station.sync import SyncWorker, run_once

    ctx = open_station(args.data_dir)
    try:
        if not ctx.config["sync.hub_url"]:
            print("sync is off: set sync.hub_url and sync.token in", ctx.data.config_file)
            return 1
        if args.once:
            r = run_once(ctx)
            print(f"events: {r.events_sent} sent, {r.events_repeat} already on the hub; "
                  f"blobs: {r.blobs_sent} sent, {r.blobs_skipped} already on the hub ({r.bytes_sent} bytes)")
            for item in r.config_applied:
                print(f"configuration applied: {item}")
            for err in r.errors:
                print(f"problem: {err}")
            return 0 if r.ok else 1
        done = threading.Event()
        worker = SyncWorker(ctx, on_report=lambda r: print(
            f"{'ok' if r.ok else 'problem'}: {r.events_sent} events, {r.blobs_sent} blobs sent"
            + (f"; {r.errors[0]}" if r.errors else ""), flush=True))
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        worker.start()
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()
        worker.stop()
        return 0
    finally:
        ctx.close()


def _status(args: argparse.Namespace) -> int:
    from station.sync import configpull, outbox, status
    from station.sync.client import insecure

    ctx = open_station(args.data_dir)
    try:
        st = status(ctx)
        problem = outbox.oldest_problem(ctx.store)
        applied = configpull.applied(ctx)
        if args.json:
            out = asdict(st) | {"station": ctx.station_id, "token_set": bool(ctx.config.get_str("sync.token")),
                                "oldest_problem": problem, "applied_config": applied}
            print(json.dumps(out, indent=2))
        else:
            print(f"station:   {ctx.station_id}")
            print(f"hub:       {st.hub_url or '(none: sync off)'}  token: "
                  f"{'set' if ctx.config['sync.token'] else 'NOT SET'}")
            print(f"state:     {st.text}")
            if st.hub_url and insecure(ctx.config, st.hub_url):
                print("warning:   the hub is used without TLS verification (sync.allow_insecure): the token and "
                      "records cross the network unprotected")
            print(f"waiting:   {st.backlog_events} events, {st.backlog_blobs} blobs")
            print(f"last ok:   {st.last_ok_at or 'never'}   last try: {st.last_attempt_at or 'never'}")
            if st.last_error:
                print(f"last error: {st.last_error}")
            if problem:
                print(f"oldest problem: {problem[0]} {problem[1][:16]} after {problem[2]} tries: {problem[3]}")
            for a in applied:
                print(f"applied:   {a['kind']}/{a['name']} version {a['version']} at {a['applied_at']}")
            for q in st.quarantined:
                print(f"quarantined: {q}")
        healthy = st.state != "off" and st.backlog == 0 and not st.last_error and not st.quarantined
        return 0 if healthy else 1
    finally:
        ctx.close()

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
                       description=_("Without an action: run sync in the foreground until Ctrl+C."))
    p.add_argument("--once", action="store_true", help=_("one pass: send everything due now, then exit"))
    p.set_defaults(func=_run, sync_command=None)
    ssub = p.add_subparsers(dest="sync_command", metavar="ACTION")
    st = ssub.add_parser("status", help=_("online/offline, what waits to be sent, last error (exit 0 when all sent)"))
    st.add_argument("--json", action="store_true", help=_("machine-readable output"))
    st.set_defaults(func=_status)


def _run(args: argparse.Namespace) -> int:
    from station.sync import SyncWorker, run_once

    ctx = open_station(args.data_dir)
    try:
        if not ctx.config["sync.hub_url"]:
            print(_("sync is off: set sync.hub_url and sync.token in"), ctx.data.config_file)
            return 1
        if args.once:
            r = run_once(ctx)
            print(
                _(
                    "events: {events_sent} sent, {events_repeat} already on the hub; blobs: {blobs_sent} sent, "
                    "{blobs_skipped} already on the hub ({bytes_sent} bytes)"
                ).format(
                    events_sent=r.events_sent,
                    events_repeat=r.events_repeat,
                    blobs_sent=r.blobs_sent,
                    blobs_skipped=r.blobs_skipped,
                    bytes_sent=r.bytes_sent,
                )
            )
            for item in r.config_applied:
                print(_("configuration applied: {item}").format(item=item))
            for err in r.errors:
                print(_("problem: {err}").format(err=err))
            return 0 if r.ok else 1
        done = threading.Event()
        worker = SyncWorker(
            ctx,
            on_report=lambda r: print(
                _("{state}: {events} events, {blobs} blobs sent").format(
                    state=_("ok") if r.ok else _("problem"), events=r.events_sent, blobs=r.blobs_sent)
                + (f"; {r.errors[0]}" if r.errors else ""),
                flush=True,
            ),
        )
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
            out = asdict(st) | {
                "station": ctx.station_id,
                "token_set": bool(ctx.config.get_str("sync.token")),
                "oldest_problem": problem,
                "applied_config": applied,
            }
            print(json.dumps(out, indent=2))
        else:
            print(_("station:   {station_id}").format(station_id=ctx.station_id))
            print(
                _("hub:       {value}  token: {value2}").format(
                    value=st.hub_url or "(none: sync off)", value2="set" if ctx.config["sync.token"] else "NOT SET"
                )
            )
            print(_("state:     {text}").format(text=st.text))
            if st.hub_url and insecure(ctx.config, st.hub_url):
                print(
                    _(
                        "warning:   the hub is used without TLS verification (sync.allow_insecure): the token and "
                        "records cross the network unprotected"
                    )
                )
            print(
                _("waiting:   {backlog_events} events, {backlog_blobs} blobs").format(
                    backlog_events=st.backlog_events, backlog_blobs=st.backlog_blobs
                )
            )
            print(
                _("last ok:   {value}   last try: {value2}").format(
                    value=st.last_ok_at or "never", value2=st.last_attempt_at or "never"
                )
            )
            if st.last_error:
                print(_("last error: {last_error}").format(last_error=st.last_error))
            if problem:
                print(
                    _("oldest problem: {value} {value2} after {value3} tries: {value4}").format(
                        value=problem[0], value2=problem[1][:16], value3=problem[2], value4=problem[3]
                    )
                )
            for a in applied:
                print(
                    _("applied:   {value}/{value2} version {value3} at {value4}").format(
                        value=a["kind"], value2=a["name"], value3=a["version"], value4=a["applied_at"]
                    )
                )
            for q in st.quarantined:
                print(_("quarantined: {q}").format(q=q))
        healthy = st.state != "off" and st.backlog == 0 and not st.last_error and not st.quarantined
        return 0 if healthy else 1
    finally:
        ctx.close()

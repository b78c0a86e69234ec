"""`station export shift` and `station kpis`: shift logs and KPIs for supervisors.

Exports carry personal and customer data, so they need a supervisor's name and PIN
(`--pin-stdin`, STATION_PIN, or a prompt); the sign-in is recorded like any other.
`--hub` exports every station's units from the hub instead (station.reports.hub_rows).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from station import shifts
from station.commands.supervisor import sign_in_supervisor
from station.context import StationContext, open_station
from station.errors import UserFacingError
from station.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    exp = sub.add_parser("export", help=_("shift logs (supervisors)"))
    esub = exp.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    shift = esub.add_parser("shift", help=_("one row per unit touched in the window: CSV, XLSX or PDF"))
    _window_args(shift)
    shift.add_argument("--operator", help=_("only units this operator worked on"))
    shift.add_argument("--format", choices=("csv", "xlsx", "pdf"), required=True)
    shift.add_argument("--out", required=True, type=Path)
    shift.add_argument("--supervisor", required=True, help=_("supervisor's name (their PIN is asked)"))
    shift.add_argument("--pin-stdin", action="store_true", help=_("read the supervisor's PIN from standard input"))
    shift.add_argument("--hub", action="store_true",
                       help=_("every station's units, from the hub at sync.hub_url (needs a reader token)"))
    shift.add_argument("--reader-token-file", type=Path, metavar="FILE",
                       help=_("with --hub: file holding the hub reader token (else STATION_HUB_READER_TOKEN or "
                            "sync.reader_token)"))
    shift.set_defaults(func=_export_shift)
    k = sub.add_parser("kpis", help=_("shift KPIs (default: the current shift)"))
    _window_args(k)
    k.add_argument("--json", action="store_true")
    k.set_defaults(func=_kpis)


def _window_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="start", help=_("start, local time (default: the current shift's start)"))
    p.add_argument("--to", dest="end", help=_("end, local time (default: the current shift's end)"))


def window(ctx: StationContext, args: argparse.Namespace) -> shifts.Window:
    current = shifts.shift_at(ctx.config)
    start = shifts.parse_when(ctx.config, args.start) if args.start else current.start
    end = shifts.parse_when(ctx.config, args.end) if args.end else (current.end if not args.start else None)
    if end is None:
        end = shifts.shift_at(ctx.config, start).end
    if end <= start:
        raise UserFacingError(_("--to must be later than --from."))
    return shifts.Window(start, end, "" if args.start else current.name)


def require_supervisor(ctx: StationContext, name: str, pin_stdin: bool) -> None:
    sign_in_supervisor(ctx, name, pin_stdin, "exports need a supervisor")


def _export_shift(args: argparse.Namespace) -> int:
    from station import kpis
    from station.reports import shift_pdf, shift_rows, tabular

    ctx = open_station(args.data_dir)
    try:
        require_supervisor(ctx, args.supervisor, args.pin_stdin)
        w = window(ctx, args)
        if args.hub:
            return _export_from_hub(ctx, w, args)
        if args.reader_token_file:
            raise UserFacingError(_("--reader-token-file is for --hub exports; add --hub, or leave it out."))
        log = shift_rows.shift_log(ctx, w, args.operator)
        if args.format == "csv":
            tabular.write_csv(log, args.out)
        elif args.format == "xlsx":
            tabular.write_xlsx(log, args.out)
        else:
            shift_pdf.write_pdf(log, kpis.compute(ctx, w), args.out, station=ctx.station_id,
                                language=ctx.config.get_str("site.language"))
        print(
            _("{value} units, {value2} ({zone}) -> {out}").format(
                value=len(log.rows), value2=w.label(), zone=log.zone, out=args.out
            )
        )
        return 0
    finally:
        ctx.close()


def _export_from_hub(ctx: StationContext, w: shifts.Window, args: argparse.Namespace) -> int:
    from station.reports import hub_rows

    token = hub_rows.reader_token(ctx.config, args.reader_token_file)
    queued = hub_rows.unsynced_note(ctx.store)  # counted first: what the hub cannot have had
    try:
        log = hub_rows.export(ctx.config, w, args.operator, token, args.format, args.out)
    except hub_rows.HubExportError as exc:  # the hub is down or refused: exit 1, like `station sync --once`
        print(_("station: {exc}").format(exc=exc), file=sys.stderr)
        return 1
    n = len(log.stations)
    stations = f"{n} station{'' if n == 1 else 's'}"
    print(
        _("{value} units from {stations} (hub), {value2} ({zone}) -> {out}").format(
            value=len(log.rows), stations=stations, value2=w.label(), zone=log.zone, out=args.out
        )
    )
    if queued:
        print(_("station: {queued}").format(queued=queued), file=sys.stderr)
    return 0


def _kpis(args: argparse.Namespace) -> int:
    from station import kpis
    from station.reports.shift_pdf import kpi_lines

    ctx = open_station(args.data_dir)
    try:
        k = kpis.compute(ctx, window(ctx, args))
    finally:
        ctx.close()
    if args.json:
        d = dataclasses.asdict(k)
        d["window"] = {"start": k.window.start.isoformat(), "end": k.window.end.isoformat(), "name": k.window.name}
        d.update(
            units_per_hour=k.units_per_hour,
            wipe_pass_rate=k.wipe_pass_rate,
            recovery_rate=k.recovery_rate,
            accuracy_rate=k.accuracy_rate,
            diversion_rate=k.diversion_rate,
        )
        print(json.dumps(d, indent=2, default=str))
    else:
        print(k.window.label())
        for label, value in kpi_lines(k):
            print(f"{label:26} {value}")
    return 0

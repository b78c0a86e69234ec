"""`station label ...`: render, print and re-print grade labels from scripts or another bench.

    station label layouts
    station label render UNIT --layout 2x1in --out label.png [--dpi 300]
    station label print UNIT [--printer zpl@tcp://10.0.0.7:9100] [--layout NAME]
    station label queue | retry [--printer NAME] | status [--printer NAME]
    station label scan-back UNIT SCANNED
    station label discover --subnet 192.168.1.0/24
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from station.context import StationContext, open_station
from station.errors import UserFacingError
from station.i18n import _

if TYPE_CHECKING:
    from station.devices.printer.session import PrinterSession


def register(sub: argparse._SubParsersAction) -> None:
    lab = sub.add_parser("label", help=_("render and print grade labels"))
    lsub = lab.add_subparsers(dest="label_command", required=True, metavar="ACTION")
    lsub.add_parser("layouts", help=_("list the label layouts")).set_defaults(func=_layouts)
    r = lsub.add_parser("render", help=_("write a unit's exact label bitmap to a PNG"))
    r.add_argument("unit", help=_("unit id, IMEI or serial"))
    r.add_argument("--layout", help=_("layout name (default: label.layout)"))
    r.add_argument("--dpi", type=int, help=_("resolution (default: the layout's)"))
    r.add_argument("--out", required=True, help=_("PNG file to write"))
    r.set_defaults(func=_render)
    p = lsub.add_parser("print", help=_("print a unit's label (queued if the printer is not ready)"))
    p.add_argument("unit", help=_("unit id, IMEI or serial"))
    p.add_argument("--printer", help=_("LANGUAGE@CONNECTION, e.g. zpl@tcp://10.0.0.7:9100 (default: settings)"))
    p.add_argument("--layout", help=_("layout name (default: label.layout)"))
    p.set_defaults(func=_print)
    lsub.add_parser("queue", help=_("list labels waiting for a printer")).set_defaults(func=_queue)
    rt = lsub.add_parser("retry", help=_("send the queued labels now"))
    rt.add_argument("--printer", help=_("LANGUAGE@CONNECTION (default: settings)"))
    rt.set_defaults(func=_retry)
    st = lsub.add_parser("status", help=_("ask the printer whether it is ready"))
    st.add_argument("--printer", help=_("LANGUAGE@CONNECTION (default: settings)"))
    st.set_defaults(func=_status)
    sb = lsub.add_parser("scan-back", help=_("check a scan of the printed label against its unit"))
    sb.add_argument("unit")
    sb.add_argument("scanned")
    sb.set_defaults(func=_scan_back)
    d = lsub.add_parser("discover", help=_("look for ZPL printers on a subnet (TCP 9100)"))
    d.add_argument("--subnet", help=_("network to search, e.g. 192.168.1.0/24 (default: list this host's)"))
    d.add_argument("--port", type=int, default=9100)
    d.set_defaults(func=_discover)


def _printer(ctx: StationContext, name: str | None) -> PrinterSession:
    from station.devices.printer.connection import from_config, parse_name
    from station.devices.printer.session import session_for_spec

    spec = parse_name(name) if name else from_config(ctx.config)
    if spec is None:
        raise UserFacingError(
            _(
                "No label printer is set: set printer.kind and printer.connection in {config_file}, or pass "
                "--printer zpl@tcp://HOST:9100."
            ).format(config_file=ctx.data.config_file)
        )
    return session_for_spec(spec, ctx.config)


def _layouts(args: argparse.Namespace) -> int:
    from station.labels.layout import for_config, load

    ctx = open_station(args.data_dir)
    try:
        for name, path in sorted(for_config(ctx.config).items()):
            lay = load(path)
            default = "  (default)" if name == ctx.config["label.layout"] else ""
            print(
                _("{name:12} {width:g} x {height:g} mm, {dpi} dpi: {title}{default}").format(
                    name=name, width=lay.width, height=lay.height, dpi=lay.dpi, title=lay.title, default=default
                )
            )
    finally:
        ctx.close()
    return 0


def _render(args: argparse.Namespace) -> int:
    from station.labels.queue import render_unit
    from station.labels.render import to_png

    ctx = open_station(args.data_dir)
    try:
        label = render_unit(ctx, args.unit, args.layout, args.dpi)
        out = Path(args.out)
        to_png(label.image, out, label.dpi)
        print(
            _("{out}: {uid}, layout {name}, {width}x{height} dots at {dpi} dpi, bitmap sha256 {sha256}").format(
                out=out,
                uid=label.uid,
                name=label.layout.name,
                width=label.image.width,
                height=label.image.height,
                dpi=label.dpi,
                sha256=label.sha256,
            )
        )
    finally:
        ctx.close()
    return 0


def _print(args: argparse.Namespace) -> int:
    from station.labels.queue import print_unit

    ctx = open_station(args.data_dir)
    try:
        done = print_unit(ctx, _printer(ctx, args.printer), args.unit, args.layout)
        print(done.message)
    finally:
        ctx.close()
    return 0


def _queue(args: argparse.Namespace) -> int:
    from station.labels.queue import pending

    ctx = open_station(args.data_dir)
    try:
        jobs = pending(ctx)
        for j in jobs:
            print(
                _("job {id}: layout {layout}, {printer}, {attempts} tries, queued {at}").format(
                    id=j.id, layout=j.layout, printer=j.printer, attempts=j.attempts, at=j.created_at)
                + (_("; last error: {error}").format(error=j.last_error) if j.last_error else "")
            )
        print(_("{value} label(s) queued").format(value=len(jobs)))
    finally:
        ctx.close()
    return 0


def _retry(args: argparse.Namespace) -> int:
    from station.labels.queue import retry_pending

    ctx = open_station(args.data_dir)
    try:
        done, left, error = retry_pending(ctx, _printer(ctx, args.printer))
        print(_("{done} label(s) printed, {left} still queued").format(done=done, left=left))
        if error:
            raise UserFacingError(error)
    finally:
        ctx.close()
    return 0


def _status(args: argparse.Namespace) -> int:
    ctx = open_station(args.data_dir)
    try:
        printer = _printer(ctx, args.printer)
        state = printer.status()
        print(f"{printer.name}: {state}")
    finally:
        ctx.close()
    return 0 if state == "ready" else 1


def _scan_back(args: argparse.Namespace) -> int:
    from station.labels.flow import scan_back

    ctx = open_station(args.data_dir)
    try:
        result = scan_back(ctx, args.unit, args.scanned)
        print(result.message)
    finally:
        ctx.close()
    return 0 if result.match else 1


def _discover(args: argparse.Namespace) -> int:
    from station.devices.printer.discovery import discover, local_networks

    if not args.subnet:
        nets = local_networks()
        print(_("Pass --subnet to search one; this host is on: {networks}").format(
            networks=", ".join(nets) or _("no IPv4 network")))
        return 0
    found = discover(args.subnet, port=args.port)
    for f in found:
        print(f"{f.printer_name}  {f.model or '(did not identify itself)'}")
    print(
        _("{value} printer(s) found on {subnet} port {port}").format(
            value=len(found), subnet=args.subnet, port=args.port
        )
    )
    return 0

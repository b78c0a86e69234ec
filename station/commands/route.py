"""`station route UNIT` and `station outcome ...`: disposition from scripts.

    station route UNIT [--preview | --options] [--to ROUTE --reason "..."] [--vendor KEY]
    station route UNIT --to ROUTE --reason "..." --override --as SUPERVISOR   past a route gate
    station outcome record UNIT sold|returned|completed|rerouted [--grade B+] [--amount 120]
                                    [--channel KEY] [--buyer NAME] [--note ...]
    station outcome accuracy [--since ISO] [--until ISO]
"""

from __future__ import annotations

import argparse

from station.context import open_station
from station.disposition_rules import ROUTES
from station.i18n import _, shown


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("route", help=_("propose or assign a unit's disposition route"))
    r.add_argument("unit", help=_("unit id, IMEI or serial"))
    r.add_argument("--preview", action="store_true", help=_("show the proposed route without recording it"))
    r.add_argument("--to", choices=ROUTES, help=_("a route other than the proposed one (needs --reason)"))
    r.add_argument("--reason", help=_("why the proposed route is not taken"))
    r.add_argument("--options", action="store_true", help=_("list every route, open or closed with the reason"))
    r.add_argument("--vendor", help=_("downstream vendor key for recycle, harvest parts or hazardous battery"))
    r.add_argument("--override", action="store_true", help=_("supervisor: take a route a gate closes (needs --reason)"))
    r.add_argument("--as", dest="operator", metavar="NAME", help=_("sign in as this operator (PIN asked, or stdin)"))
    r.add_argument("--badge", help=_("sign in with this badge instead"))
    r.set_defaults(func=_route)
    o = sub.add_parser("outcome", help=_("record what happened to a routed unit; disposition accuracy"))
    osub = o.add_subparsers(dest="outcome_command", required=True, metavar="ACTION")
    rec = osub.add_parser("record", help=_("record an outcome against a unit"))
    rec.add_argument("unit")
    rec.add_argument("outcome", choices=("sold", "returned", "completed", "rerouted"))
    rec.add_argument("--grade", help=_("grade it sold at"))
    rec.add_argument("--amount", type=float, help=_("amount realised (the unit's sale price)"))
    rec.add_argument("--channel", help=_("where it was sold, e.g. wholesale_auction (default: its route)"))
    rec.add_argument("--buyer", help=_("who bought it"))
    rec.add_argument("--note")
    rec.set_defaults(func=_outcome)
    acc = osub.add_parser("accuracy", help=_("share of outcomes that confirmed the route"))
    acc.add_argument("--since", help=_("UTC ISO time, e.g. 2026-01-01T00:00:00.000000Z"))
    acc.add_argument("--until")
    acc.set_defaults(func=_accuracy)


def _route(args: argparse.Namespace) -> int:
    from station import disposition
    from station.commands.grade import sign_in

    ctx = open_station(args.data_dir)
    try:
        if args.options:
            for o in disposition.allowed_routes(ctx, args.unit):
                print(f"{'open  ' if o.allowed else 'closed'} {o.route:<20} {o.label}"
                      + (f"\n       {o.reason}" if o.reason else ""))
            return 0
        sign_in(ctx, args)
        if args.preview:
            d = disposition.preview(ctx, args.unit)
        else:
            d = disposition.assign(ctx, args.unit, args.to, args.reason, override_gate=args.override,
                                   vendor=args.vendor)
    finally:
        ctx.close()
    value = f"{d.expected_value:.2f}" if d.expected_value is not None else _("unknown")
    print(
        _("{value}: {label} ({route}); expected value {value2} at a recovery rate of {recovery_rate:.0%}").format(
            value=_("proposed") if args.preview else _("routed"),
            label=d.label,
            route=d.route,
            value2=value,
            recovery_rate=d.recovery_rate,
        )
    )
    print(f"  {d.shown_explanation()}")
    if d.vendor:
        print(_("  downstream vendor: {vendor}").format(vendor=d.vendor))
    if d.blocked_reason:
        print(_("  blocked: {blocked_reason}").format(blocked_reason=shown(d.blocked_reason)))
    return 0


def _outcome(args: argparse.Namespace) -> int:
    from station import disposition

    ctx = open_station(args.data_dir)
    try:
        rec = disposition.record_outcome(
            ctx,
            args.unit,
            args.outcome,
            sold_grade=args.grade,
            amount=args.amount,
            note=args.note,
            channel=args.channel,
            buyer=args.buyer,
        )
    finally:
        ctx.close()
    print(
        _("{unit_uid}: {outcome} on route {route}; the route was {value}").format(
            unit_uid=rec.unit_uid, outcome=rec.outcome, route=rec.route, value="right" if rec.accurate else "wrong"
        )
    )
    return 0


def _accuracy(args: argparse.Namespace) -> int:
    from station import disposition

    ctx = open_station(args.data_dir)
    try:
        acc = disposition.accuracy(ctx, args.since, args.until)
    finally:
        ctx.close()
    if acc.rate is None:
        print(_("no outcomes recorded"))
    else:
        print(
            _("disposition accuracy {rate:.1%} ({accurate} of {units} units with an outcome)").format(
                rate=acc.rate, accurate=acc.accurate, units=acc.units
            )
        )
    return 0

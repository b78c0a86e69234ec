"""`station lots ...`: auction lots of consistent class, model and grade, and their manifests.

    station lots create [--code LOT-...] [--class phone --model "Pixel 7" --grade B+]
    station lots add CODE UNIT... [--force]      refuses a unit that does not fit, unless --force
    station lots remove CODE UNIT
    station lots close CODE
    station lots list [--status open|closed]
    station lots manifest CODE --format csv|xlsx --out FILE
    station lots sell CODE (--unit-price P | --total T) [--channel KEY] [--buyer NAME]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from station.context import open_station
from station.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    lots = sub.add_parser("lots", help=_("auction lots and manifests"))
    lsub = lots.add_subparsers(dest="lots_command", required=True, metavar="ACTION")
    c = lsub.add_parser("create", help=_("open a new lot (its rule comes from the first unit when not given)"))
    c.add_argument("--code", help=_("lot label, e.g. LOT-240101-001 (default: the next free one today)"))
    c.add_argument("--class", dest="device_class", help=_("only units of this class"))
    c.add_argument("--model", help=_("only this model"))
    c.add_argument("--grade", help=_("only this sale grade, e.g. B+"))
    c.set_defaults(func=_create)
    a = lsub.add_parser("add", help=_("add units by scan text (unit id, IMEI, serial)"))
    a.add_argument("code")
    a.add_argument("units", nargs="+")
    a.add_argument("--force", action="store_true", help=_("add a unit even when it does not fit the lot's rule"))
    a.set_defaults(func=_add)
    r = lsub.add_parser("remove", help=_("take a unit out of a lot"))
    r.add_argument("code")
    r.add_argument("unit")
    r.set_defaults(func=_remove)
    cl = lsub.add_parser("close", help=_("close a lot: no more units go in"))
    cl.add_argument("code")
    cl.set_defaults(func=_close)
    ls = lsub.add_parser("list", help=_("lots, newest first"))
    ls.add_argument("--status", choices=("open", "closed", "sold"))
    ls.set_defaults(func=_list)
    m = lsub.add_parser("manifest", help=_("export a lot's manifest"))
    m.add_argument("code")
    m.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    m.add_argument("--out", type=Path, required=True)
    m.set_defaults(func=_manifest)
    sell = lsub.add_parser("sell", help=_("record a lot sold through its manifest: each unit's sale and price"))
    sell.add_argument("code")
    price = sell.add_mutually_exclusive_group(required=True)
    price.add_argument("--unit-price", type=float, help=_("the price each unit sold for"))
    price.add_argument("--total", type=float,
                       help=_("the lot's total, split over its units in proportion to their expected values"))
    sell.add_argument("--channel", help=_("channel key, e.g. wholesale_auction (default: each unit's route)"))
    sell.add_argument("--buyer", help=_("who bought the lot"))
    sell.set_defaults(func=_sell)


def _create(args: argparse.Namespace) -> int:
    from station import lots

    ctx = open_station(args.data_dir)
    try:
        info = lots.create(ctx, args.code, device_class=args.device_class, model=args.model, grade=args.grade)
    finally:
        ctx.close()
    print(_("{code} open ({rule})").format(code=info.code, rule=info.rule))
    return 0


def _add(args: argparse.Namespace) -> int:
    from station import lots
    from station.errors import UserFacingError

    ctx = open_station(args.data_dir)
    refused = 0
    try:
        for ref in args.units:
            try:
                added = lots.add(ctx, args.code, ref, force=args.force)
            except UserFacingError as exc:  # one bad scan does not stop the rest of the batch
                refused += 1
                print(_("refused {ref}: {exc}").format(ref=ref, exc=exc))
                continue
            note = f"  (added despite: {'; '.join(added.mismatches)})" if added.forced else ""
            print(
                _("added {unit_uid} to {code}: {count} units{note}").format(
                    unit_uid=added.unit_uid, code=added.lot.code, count=added.lot.count, note=note
                )
            )
    finally:
        ctx.close()
    return 2 if refused else 0


def _remove(args: argparse.Namespace) -> int:
    from station import lots

    ctx = open_station(args.data_dir)
    try:
        info = lots.remove(ctx, args.code, args.unit)
    finally:
        ctx.close()
    print(_("removed; {code} has {count} units").format(code=info.code, count=info.count))
    return 0


def _close(args: argparse.Namespace) -> int:
    from station import lots

    ctx = open_station(args.data_dir)
    try:
        info = lots.close(ctx, args.code)
    finally:
        ctx.close()
    print(_("{code} closed with {count} units").format(code=info.code, count=info.count))
    return 0


def _list(args: argparse.Namespace) -> int:
    from station import lots

    ctx = open_station(args.data_dir)
    try:
        rows = lots.list_lots(ctx, args.status)
    finally:
        ctx.close()
    for info in rows:
        print(
            _("{code:<20} {status:<7} {count:>5} units  {rule}").format(
                code=info.code, status=info.status, count=info.count, rule=info.rule
            )
        )
    if not rows:
        print(_("no lots"))
    return 0


def _manifest(args: argparse.Namespace) -> int:
    from station import lot_manifest

    ctx = open_station(args.data_dir)
    try:
        m = lot_manifest.export(ctx, args.code, args.format, args.out)
    finally:
        ctx.close()
    print(_("{code}: {value} units written to {out}").format(code=m.lot.code, value=len(m.rows), out=args.out))
    return 0


def _sell(args: argparse.Namespace) -> int:
    from station import lots

    ctx = open_station(args.data_dir)
    try:
        sold = lots.sell(ctx, args.code, unit_price=args.unit_price, total=args.total, channel=args.channel,
                         buyer=args.buyer)
    finally:
        ctx.close()
    for uid, price in sold.prices.items():
        print(f"{uid}\t{price:.2f}")
    print(_("{code} sold: {units} units, {total:.2f} in all").format(code=sold.lot, units=len(sold.prices),
                                                                    total=sold.total))
    return 0

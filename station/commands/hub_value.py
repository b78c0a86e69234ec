"""`station hub lifecycle|risk|bands|lot-target`: the value loop on the hub (docs/value-loop.md).

    station hub lifecycle set MAKE MODEL STAGE [--capacity 128GB] [--date 2026-06-30] [--note ...]
    station hub lifecycle list | review [--days 90]
    station hub risk [--lots] [--limit 30] [--json]          ranked IRI; records tiers, alerts on a change
    station hub bands [--publish [--every HOURS]] [--json]   compute the price bands, publish them to stations
    station hub lot-target STATION LOT PRICE [--buyer NAME]  a buyer's target price per unit for a lot
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from station.errors import UserFacingError
from station.i18n import _

STAGES = ("new_launch", "active", "pre_eol", "eol", "dead_stock")


def register(hs: argparse._SubParsersAction) -> None:
    lc = hs.add_parser("lifecycle", help=_("lifecycle tags per model: set, list, quarterly review"))
    ls = lc.add_subparsers(dest="lifecycle_command", required=True, metavar="ACTION")
    st = ls.add_parser("set", help=_("tag a model (or confirm its tag) and publish the tags to stations"))
    st.add_argument("make")
    st.add_argument("model")
    st.add_argument("stage", choices=STAGES)
    st.add_argument("--capacity", default="", help=_("e.g. 128GB; without it the tag covers every capacity"))
    st.add_argument("--date", type=date.fromisoformat, help=_("date of the tag, YYYY-MM-DD (default: today)"))
    st.add_argument("--note", default="")
    st.add_argument("--by", help=_("who sets it (recorded)"))
    st.set_defaults(func=_lifecycle_set)
    ls.add_parser("list", help=_("every tag, by model")).set_defaults(func=_lifecycle_list)
    rv = ls.add_parser("review", help=_("tags older than --days (90): the quarterly review list"))
    rv.add_argument("--days", type=int, default=90)
    rv.add_argument("--on", type=date.fromisoformat, help=_("review as on this day, YYYY-MM-DD (default: today)"))
    rv.add_argument("--json", action="store_true")
    rv.set_defaults(func=_lifecycle_review)
    risk = hs.add_parser("risk", help=_("Inventory Risk Index per model (or lot), ranked, with each dimension"))
    risk.add_argument("--lots", action="store_true", help=_("rank lots instead of models"))
    risk.add_argument("--limit", type=int, default=30)
    risk.add_argument("--policy", type=Path, help=_("value policy TOML (default: the shipped one)"))
    risk.add_argument("--no-record", action="store_true", help=_("do not record tiers (no alerts)"))
    risk.add_argument("--json", action="store_true")
    risk.add_argument("--at", type=_moment, help=_("as of this time (ISO, UTC if no zone; default: now)"))
    risk.set_defaults(func=_risk)
    bands = hs.add_parser("bands", help=_("price bands from the last year of sales; --publish sends them to stations"))
    bands.add_argument("--publish", action="store_true", help=_("publish them as the bands/prices document"))
    bands.add_argument(
        "--every", type=float, metavar="HOURS", help=_("with --publish: again every HOURS, until stopped")
    )
    bands.add_argument("--policy", type=Path, help=_("value policy TOML (default: the shipped one)"))
    bands.add_argument("--by", help=_("who publishes (recorded)"))
    bands.add_argument("--json", action="store_true")
    bands.add_argument("--at", type=_moment, help=_("as of this time (ISO, UTC if no zone; default: now)"))
    bands.set_defaults(func=_bands)
    tg = hs.add_parser("lot-target", help=_("record a buyer's target price per unit for a station's lot"))
    tg.add_argument("station")
    tg.add_argument("lot")
    tg.add_argument("price", type=float)
    tg.add_argument("--buyer")
    tg.add_argument("--at", type=_moment, help=_("when the buyer named it (ISO; default: now)"))
    tg.add_argument("--by", help=_("who records it"))
    tg.set_defaults(func=_lot_target)


def _moment(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO time such as 2026-12-01T00:00") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _lifecycle_set(args: argparse.Namespace) -> int:
    from station.commands.hub import _store
    from station.sync.hub import lifecycle_admin

    store = _store(args)
    try:
        with store.session() as s:
            tag, version = lifecycle_admin.set_tag(
                s, args.make, args.model, args.capacity, args.stage, args.date or date.today(), args.by, args.note
            )
    finally:
        store.close()
    print(
        _("{sku}: {label} since {tagged}; lifecycle/models version {version}").format(
            sku=tag.sku, label=tag.stage.label, tagged=tag.tagged, version=version
        )
    )
    return 0


def _tags(args: argparse.Namespace, days: int | None = None, on: date | None = None) -> list[Any]:
    from station.commands.hub import _store
    from station.sync.hub import lifecycle_admin

    store = _store(args)
    try:
        with store.session() as s:
            return list(
                lifecycle_admin.review(s, on or date.today(), days)
                if days is not None
                else lifecycle_admin.current(s).tags
            )
    finally:
        store.close()


def _lifecycle_list(args: argparse.Namespace) -> int:
    for t in _tags(args):
        print(f"{t.sku!s:40} {t.stage.label:11} {t.tagged}  {t.by or '-'}  {t.note}")
    return 0


def _lifecycle_review(args: argparse.Namespace) -> int:
    on = args.on or date.today()
    due = _tags(args, args.days, on)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "make": t.make,
                        "model": t.model,
                        "capacity": t.capacity,
                        "stage": str(t.stage),
                        "tagged": t.tagged.isoformat(),
                        "age_days": t.age_days(on),
                    }
                    for t in due
                ]
            )
        )
        return 0
    if not due:
        print(_("every tag was set or confirmed within {days} days").format(days=args.days))
    for t in due:
        print(
            _("{sku!s:40} {label:11} tagged {tagged} ({value} days ago)").format(
                sku=t.sku, label=t.stage.label, tagged=t.tagged, value=t.age_days(on)
            )
        )
    return 0


def _run(args: argparse.Namespace, record: bool, publish: bool) -> Any:
    from station.commands.hub import _store
    from station.sync.hub import value_policy
    from station.sync.hub.value import recompute

    policy = value_policy.load(args.policy)
    store = _store(args)
    try:
        with store.session() as s:
            return recompute(s, policy, at=args.at, record=record, publish=publish, by=getattr(args, "by", None))
    finally:
        store.close()


def _risk(args: argparse.Namespace) -> int:
    r = _run(args, not args.no_record, False)
    rows = (r.lots if args.lots else r.models)[: args.limit]
    if args.json:
        print(json.dumps([x.as_dict() for x in rows]))
    else:
        print(
            f"{'index':>6} {'tier':6} {'units':>5} {'value':>10}  " + _("value days market volat. cover.") + "  "
            + (_("lot") if args.lots else _("model"))
        )
        for x in rows:
            c = x.contributions
            print(
                f"{x.score:6.1f} {x.tier:6} {x.units:5} {x.value_held:10.2f}  {c['value_held']:5.1f} "
                f"{c['days_since_outbound']:4.1f} {c['market_activity']:6.1f} {c['price_volatility']:6.1f} "
                f"{c['reuse_coverage']:6.1f}  {x.label} [{x.stage}]"
            )
    for a in r.alerts:
        print(_("alert: {a}").format(a=a), file=sys.stderr)
    return 0


def _bands(args: argparse.Namespace) -> int:
    if args.every is not None and (not args.publish or args.every <= 0):
        raise UserFacingError(_("--every needs --publish and a number of hours above 0."))
    while True:
        r = _run(args, args.publish, args.publish)
        if args.json:
            from station.value.bands import dump

            print(dump(r.bands))
        else:
            print(
                _(
                    "{value} band(s) from the sales of the last {window_days} days (at least {min_sales} sales "
                    "each), version {version}"
                ).format(
                    value=len(r.bands.bands),
                    window_days=r.bands.window_days,
                    min_sales=r.bands.min_sales,
                    version=r.bands.version,
                )
            )
            if args.publish:
                print(_("bands/prices version {version}").format(version=r.published) if r.published
                      else _("bands/prices unchanged"))
        for a in r.alerts:
            print(_("alert: {a}").format(a=a), file=sys.stderr)
        if args.every is None:
            return 0
        sys.stdout.flush()
        time.sleep(args.every * 3600)


def _lot_target(args: argparse.Namespace) -> int:
    from station.commands.hub import _store
    from station.sync.hub.auth import now
    from station.sync.hub.value_models import HubLotTarget

    if not 0 <= args.price < 1e9:
        raise UserFacingError(_("The target price must be a number from 0 (a price per unit)."))
    store = _store(args)
    try:
        with store.session() as s:
            s.add(
                HubLotTarget(
                    station_id=args.station,
                    lot=args.lot,
                    buyer=args.buyer,
                    target_price=args.price,
                    at=args.at or now(),
                    by=args.by or "hub",
                )
            )
    finally:
        store.close()
    print(
        _("lot {lot} of {station}: target {price:.2f} per unit").format(lot=args.lot, station=args.station,
                                                                         price=args.price)
        + (_(" from {buyer}").format(buyer=args.buyer) if args.buyer else "")
    )
    return 0

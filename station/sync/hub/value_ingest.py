"""Value-loop rows from station events, written in the ingest transaction (docs/value-loop.md).

A unit's make, model and capacity come from its unit.created / unit.updated events, its grade,
route and expected value from route.assigned, its lot from lot.unit_added / lot.unit_removed; an
outcome moves it out (sold, completed) or back on hand (returned). Each outcome.recorded becomes an
outcomes row with the SKU it sold as: the payload's own make/model/capacity, else the unit's. A
value of the wrong type in a payload is left out, never a failed batch: the event is already the record.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from station.sync.hub.value_models import HubLotTarget, HubOutcome, HubValueUnit
from station.value import sku as skus
from station.value.bands import CHANNEL_PATTERN

KINDS = frozenset({"unit.created", "unit.updated", "route.assigned", "route.cleared", "outcome.recorded",
                   "lot.unit_added", "lot.unit_removed", "lot.created", "lot.closed"})
FACTS = ("make", "model", "capacity", "device_class")
_CHANNEL = re.compile(CHANNEL_PATTERN)
_COLUMNS = ("sku_key", *FACTS, "grade", "route", "expected_value", "lot", "seen_at", "out_at")


def _text(v: Any, limit: int) -> str | None:
    return v.strip()[:limit] or None if isinstance(v, str) else None


def _money(v: Any) -> float | None:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v < 1e9
    return float(v) if ok else None


def record(s: Session, rows: list[dict[str, Any]]) -> None:
    """Apply accepted event rows (ingest's dicts, in chain order) to the value tables."""
    rows = [r for r in rows if r["kind"] in KINDS]
    if not rows:
        return
    ids = {(r["station_id"], r["unit_uid"]) for r in rows if r["unit_uid"]}
    units: dict[tuple[str, str], dict[str, Any]] = {}
    if ids:
        for held in s.execute(select(HubValueUnit).where(
                tuple_(HubValueUnit.station_id, HubValueUnit.unit_uid).in_(sorted(ids)))).scalars():
            units[(held.station_id, held.unit_uid)] = {c: getattr(held, c) for c in _COLUMNS}
    outcomes, targets, touched = [], [], set()
    for r in rows:
        p, at = r["payload"], r["at"]
        if r["kind"] in ("lot.created", "lot.closed"):
            price, lot = _money(p.get("target_price")), _text(p.get("lot"), 64)
            if price is not None and lot:
                targets.append({"station_id": r["station_id"], "lot": lot, "buyer": _text(p.get("buyer"), 120),
                                "target_price": price, "at": at})
            continue
        if not r["unit_uid"]:
            continue
        key = (r["station_id"], r["unit_uid"])
        u = units.setdefault(key, {c: None for c in _COLUMNS} | {"seen_at": at})
        touched.add(key)
        _apply(u, r["kind"], p, at)
        u["sku_key"] = skus.key(u["make"], u["model"], u["capacity"])
        if r["kind"] == "outcome.recorded" and isinstance(p.get("outcome"), str):
            outcomes.append(_outcome(r, p, u))
    if touched:
        stmt = pg_insert(HubValueUnit)
        s.execute(stmt.on_conflict_do_update(index_elements=["station_id", "unit_uid"],
                                             set_={c: stmt.excluded[c] for c in _COLUMNS}),
                  [{"station_id": k[0], "unit_uid": k[1], **units[k]} for k in sorted(touched)])
    if outcomes:
        s.execute(pg_insert(HubOutcome).on_conflict_do_nothing(), outcomes)
    if targets:
        s.add_all(HubLotTarget(**t) for t in targets)


def _apply(u: dict[str, Any], kind: str, p: dict[str, Any], at: datetime) -> None:
    if kind == "unit.created":
        for f in FACTS:
            u[f] = _text(p.get(f), 20 if f == "device_class" else 120) or u[f]
    elif kind == "unit.updated" and isinstance(p.get("changed"), dict):
        for f in FACTS:
            change = p["changed"].get(f)
            if isinstance(change, list) and len(change) == 2:
                u[f] = _text(change[1], 20 if f == "device_class" else 120)
    elif kind == "route.assigned":
        u["route"] = _text(p.get("route"), 32)
        u["grade"] = _text(p.get("sale_grade"), 12) or u["grade"]
        u["expected_value"] = _money(p.get("expected_value"))
    elif kind == "route.cleared":
        u["route"], u["expected_value"] = None, None
    elif kind == "lot.unit_added":
        u["lot"] = _text(p.get("lot"), 64)
    elif kind == "lot.unit_removed":
        u["lot"] = None
    elif kind == "outcome.recorded":
        if p.get("outcome") in ("sold", "completed"):
            u["out_at"] = at
        elif p.get("outcome") == "returned":
            u["out_at"] = None


def _outcome(r: dict[str, Any], p: dict[str, Any], u: dict[str, Any]) -> dict[str, Any]:
    own = [_text(p.get(f), 120) for f in ("make", "model", "capacity")]
    make, model, capacity = own if own[0] and own[1] else (u["make"], u["model"], u["capacity"])
    channel = _text(p.get("channel"), 40) or _text(p.get("route"), 40) or u["route"]
    return {
        "station_id": r["station_id"], "seq": r["seq"], "unit_uid": r["unit_uid"], "at": r["at"],
        "outcome": p["outcome"][:16], "sku_key": skus.key(make, model, capacity), "make": make, "model": model,
        "capacity": capacity, "grade": _text(p.get("sold_grade"), 12) or _text(p.get("graded"), 12) or u["grade"],
        "channel": channel.lower() if channel and _CHANNEL.match(channel.lower()) else None,
        "buyer": _text(p.get("buyer"), 120), "amount": _money(p.get("amount")),
        "expected_value": _money(p.get("expected_value")) if "expected_value" in p else u["expected_value"],
    }

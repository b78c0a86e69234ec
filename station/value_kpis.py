"""The two value-loop figures of a shift (seed 003): cost per return and cycle time to value.

Definitions in docs/supervisor.md ("KPI definitions"); kpis.compute puts them on the Kpis.
- Cost per return: per unit finished in the window, its inbound shipping (where recorded) plus
  the labour, handling and inspection priced when it was finished (the `costs` of its latest
  unit.finished event, station/labour.py), summed and divided by those units.
- Cycle time to value: per unit whose first closing outcome (sold, or the route carried out:
  restocked, recycled, harvested...) was recorded in the window, the days from the customer's
  return initiation to that outcome.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.models import Event, Unit
from station.shifts import Window

CLOSING_OUTCOMES = ("sold", "completed")
COST_PARTS = ("shipping", "labour", "handling", "inspection")


@dataclass
class CostFigures:
    units: int = 0
    parts: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COST_PARTS, 0.0))
    shipping_known: int = 0
    labour_minutes: dict[str, float] = field(default_factory=dict)
    per_unit: dict[int, float] = field(default_factory=dict)  # unit id -> its cost


def unit_costs(s: Session, unit_ids: list[int], since: str) -> dict[int, dict[str, object]]:
    """The `costs` of each unit's latest unit.finished event (from `since` on; events are never
    older than the unit they finish)."""
    found: dict[int, dict[str, object]] = {}
    for unit_id, payload in s.execute(select(Event.unit_id, Event.payload).where(
            Event.kind == "unit.finished", Event.created_at >= since, Event.unit_id.in_(unit_ids))
            .order_by(Event.seq)):
        record = json.loads(payload).get("costs")
        if unit_id is None:
            continue
        if isinstance(record, dict):
            found[unit_id] = record
        else:
            found.pop(unit_id, None)  # finished again without a price: the older one no longer holds
    return found


def costs(s: Session, w: Window) -> CostFigures:
    out = CostFigures()
    finished = s.execute(select(Unit.id, Unit.shipping_cost, Unit.created_at).where(
        Unit.finished_at >= w.start_iso, Unit.finished_at < w.end_iso)).all()
    if not finished:
        return out
    priced = unit_costs(s, [u for u, _sh, _c in finished], min(c for _u, _sh, c in finished))
    minutes: dict[str, float] = defaultdict(float)
    for unit_id, shipping, _created in finished:
        record = priced.get(unit_id)
        if record is None:
            continue  # finished before costs were recorded, or with an unreadable cost table
        out.units += 1
        own = {"shipping": float(shipping or 0.0), **{k: float(record.get(k) or 0.0)  # type: ignore[arg-type]
                                                       for k in ("labour", "handling", "inspection")}}
        for k, v in own.items():
            out.parts[k] += v
        out.shipping_known += shipping is not None
        for step, m in dict(record.get("labour_minutes") or {}).items():  # type: ignore[call-overload]
            minutes[str(step)] += float(m)
        out.per_unit[unit_id] = round(sum(own.values()), 2)
    out.parts = {k: round(v, 2) for k, v in out.parts.items()}
    out.labour_minutes = {k: round(v, 1) for k, v in minutes.items()}
    return out


@dataclass
class CycleFigures:
    days: list[float] = field(default_factory=list)  # sorted
    undated: int = 0
    per_unit: dict[int, float] = field(default_factory=dict)


def closing_outcomes(s: Session, unit_ids: list[int] | None, w: Window | None) -> dict[int, float | None]:
    """unit id -> the days to value its first closing outcome recorded (None: initiation day
    unknown), for units whose first closing outcome falls in `w` (any time, without one)."""
    q = select(Event.unit_id, Event.created_at, Event.payload).where(Event.kind == "outcome.recorded")
    if unit_ids is not None:
        q = q.where(Event.unit_id.in_(unit_ids))
    if w is not None:
        q = q.where(Event.unit_id.in_(select(Event.unit_id).where(
            Event.kind == "outcome.recorded", Event.created_at >= w.start_iso, Event.created_at < w.end_iso)))
    first: dict[int, tuple[str, float | None]] = {}
    for unit_id, at, payload in s.execute(q.order_by(Event.seq)):
        data = json.loads(payload)
        if unit_id is not None and unit_id not in first and data.get("outcome") in CLOSING_OUTCOMES:
            days = data.get("days_to_value")
            first[unit_id] = (at, float(days) if isinstance(days, int | float) else None)
    return {u: days for u, (at, days) in first.items() if w is None or w.start_iso <= at < w.end_iso}


@dataclass
class RealisedFigures:
    """Sales recorded in the window with a price, against the value their route expected."""

    sales: int = 0
    realised: float = 0.0
    expected: float = 0.0
    missed: float = 0.0  # sum over the sales of |realised - expected|: what disposition accuracy by value counts


def realised_value(s: Session, w: Window) -> RealisedFigures:
    """Per `sold` outcome recorded in the window with both an amount (the realised price) and the
    expected value the unit was routed with: the two summed, so routed and realised value compare, and
    each sale's miss (the realised price's distance from the routed value) summed, for accuracy by value."""
    out = RealisedFigures()
    for (payload,) in s.execute(select(Event.payload).where(
            Event.kind == "outcome.recorded", Event.created_at >= w.start_iso, Event.created_at < w.end_iso)):
        data = json.loads(payload)
        amount, expected = data.get("amount"), data.get("expected_value")
        if data.get("outcome") == "sold" and isinstance(amount, int | float) and isinstance(expected, int | float):
            out.sales += 1
            out.realised += float(amount)
            out.expected += float(expected)
            out.missed += abs(float(amount) - float(expected))
    out.realised, out.expected, out.missed = round(out.realised, 2), round(out.expected, 2), round(out.missed, 2)
    return out


def realised_prices(s: Session, unit_ids: list[int]) -> dict[int, float]:
    """unit id -> the price of its latest `sold` outcome that recorded one (the shift logs' Realised price)."""
    out: dict[int, float] = {}
    for unit_id, payload in s.execute(select(Event.unit_id, Event.payload).where(
            Event.kind == "outcome.recorded", Event.unit_id.in_(unit_ids)).order_by(Event.seq)):
        data = json.loads(payload)
        amount = data.get("amount")
        if unit_id is not None and data.get("outcome") == "sold" and isinstance(amount, int | float) \
                and not isinstance(amount, bool):
            out[unit_id] = float(amount)
    return out


def cycle_to_value(s: Session, w: Window) -> CycleFigures:
    """The days each closing outcome recorded (disposition.record_outcome, in the station's zone)."""
    out = CycleFigures()
    for unit_id, days in closing_outcomes(s, None, w).items():
        if days is None:
            out.undated += 1
        else:
            out.per_unit[unit_id] = days
    out.days = sorted(out.per_unit.values())
    return out

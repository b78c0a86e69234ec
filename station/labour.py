"""Labour time per step of one unit, from its own events, and what handling the unit cost.

The station records no timesheet: the time a step took is read from the unit's events. Each gap
between two consecutive events of the unit is counted to the step of the later event (a grade
event closes time spent grading, a label event time spent labelling), as labour of the role of
the operator who recorded it. A gap longer than the cost table's `idle_cap_minutes` counts as
that cap: a wipe runs unattended and a unit set aside waits, and neither is a technician's
time. A gap after the unit was finished (it left the bench until re-processed) is not labour.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import clock
from station.costs import CostTable
from station.models import Event, Operator, Unit

STEPS = ("intake", "grade", "photos", "wipe", "route", "label")
_BY_PREFIX = (("unit.created", "intake"), ("unit.scanned", "intake"), ("unit.updated", "intake"),
              ("unit.reopened", "intake"), ("grade.", "grade"), ("photo.", "photos"), ("wipe.", "wipe"),
              ("certificate.", "wipe"), ("phone.", "wipe"), ("route.", "route"), ("label.", "label"),
              ("unit.finished", "label"))


def step_of(kind: str) -> str | None:
    """The bench step an event kind belongs to; None for what is not bench work (lots, outcomes)."""
    return next((step for prefix, step in _BY_PREFIX if kind.startswith(prefix)), None)


def minutes(events: Iterable[tuple[str, str, str | None]], cap: float) -> dict[tuple[str, str], float]:
    """(step, role) -> minutes, from a unit's events in chain order as (created_at, kind, role)."""
    out: dict[tuple[str, str], float] = defaultdict(float)
    before: tuple[str, str] | None = None
    for at, kind, role in events:
        step = step_of(kind)
        if before is not None and step is not None and before[1] != "unit.finished":
            gap = (clock.parse(at) - clock.parse(before[0])).total_seconds() / 60
            out[(step, role or "technician")] += min(max(gap, 0.0), cap)
        before = (at, kind)
    return dict(out)


@dataclass(frozen=True)
class UnitCost:
    """What handling one unit cost, priced when it was finished (its unit.finished event)."""

    table: str
    site: str
    currency: str
    labour_minutes: dict[str, float]  # by step
    labour: float
    handling: float
    inspection: float

    def record(self) -> dict[str, object]:
        return {"table": self.table, "site": self.site, "currency": self.currency,
                "labour_minutes": self.labour_minutes, "labour": self.labour, "handling": self.handling,
                "inspection": self.inspection}


def priced(s: Session, unit: Unit, table: CostTable, site: str,
           closing: tuple[str, str, str | None] | None = None) -> UnitCost:
    """The unit's cost; `closing` is the event being written that ends the work (its unit.finished)."""
    rows: list[Any] = list(s.execute(select(Event.created_at, Event.kind, Operator.role)
                     .outerjoin(Operator, Operator.id == Event.operator_id)
                     .where(Event.unit_id == unit.id).order_by(Event.seq)).all())
    if closing is not None:
        rows.append(closing)
    rates = table.rates(site)
    spent = minutes(((at, kind, role) for at, kind, role in rows), table.idle_cap_minutes)
    by_step: dict[str, float] = defaultdict(float)
    labour = 0.0
    for (step, role), m in spent.items():
        by_step[step] += m
        labour += m / 60 * rates.hourly(role)
    return UnitCost(table.version, site, table.currency,
                    {step: round(by_step[step], 2) for step in STEPS if step in by_step}, round(labour, 2),
                    rates.handling, rates.inspection if unit.sale_grade else 0.0)

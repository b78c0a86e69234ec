"""Shift KPIs, computed from the store for one time window.

Every figure comes with the query that produced it reachable through `units_behind`,
so a supervisor can click a number and see the units behind it. Queries touch only the
window's rows through indexed columns, so a store of a million units stays fast.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from station import clock
from station.context import StationContext
from station.models import Event, Unit, WipeJob
from station.shifts import Window

LANDFILL_ROUTES = frozenset({"landfill", "dispose"})
DATA_BEARING = frozenset({"phone", "tablet", "laptop", "desktop", "drive"})


@dataclass
class Kpis:
    window: Window
    hours_elapsed: float
    units_in: int = 0
    units_finished: int = 0
    per_technician: list[tuple[str, int, float]] = field(default_factory=list)  # name, finished, per hour
    grade_mix: dict[str, int] = field(default_factory=dict)
    wipes_passed: int = 0
    wipes_failed: int = 0
    wipe_failures: dict[str, int] = field(default_factory=dict)  # reason -> count
    cycle_median_min: float | None = None
    cycle_p90_min: float | None = None
    routes: dict[str, int] = field(default_factory=dict)
    expected_value: float = 0.0
    estimated_value: float = 0.0
    outcomes: int = 0
    outcomes_accurate: int = 0
    wip: dict[str, int] = field(default_factory=dict)
    blocked: list[tuple[str, str]] = field(default_factory=list)  # uid, reason
    throughput: list[tuple[str, int]] = field(default_factory=list)  # hour label, finished

    @property
    def units_per_hour(self) -> float:
        return self.units_finished / self.hours_elapsed if self.hours_elapsed else 0.0

    @property
    def wipe_pass_rate(self) -> float | None:
        n = self.wipes_passed + self.wipes_failed
        return self.wipes_passed / n if n else None

    @property
    def recovery_rate(self) -> float | None:
        return self.expected_value / self.estimated_value if self.estimated_value else None

    @property
    def accuracy_rate(self) -> float | None:
        return self.outcomes_accurate / self.outcomes if self.outcomes else None

    @property
    def diversion_rate(self) -> float | None:
        routed = sum(self.routes.values())
        if not routed:
            return None
        return sum(n for r, n in self.routes.items() if r not in LANDFILL_ROUTES) / routed


def _finished(w: Window) -> Select:
    return select(Unit).where(Unit.finished_at >= w.start_iso, Unit.finished_at < w.end_iso)


# Plain rows, not ORM objects: a busy shift has thousands of units and the dashboard refreshes live.
_FIGURES = (Unit.id, Unit.uid, Unit.device_class, Unit.created_at, Unit.finished_at, Unit.sale_grade, Unit.route,
            Unit.wipe_status, Unit.blocked_reason, Unit.expected_value, Unit.estimated_value)


def _events(w: Window, kind: str) -> Select:
    return select(Event).where(Event.kind == kind, Event.created_at >= w.start_iso, Event.created_at < w.end_iso)


def stage_of(u: Any) -> str:
    """Where an unfinished unit waits, from what has been recorded about it."""
    if u.blocked_reason:
        return "blocked"
    if not u.sale_grade:
        return "grade"
    if u.device_class in DATA_BEARING and u.wipe_status != "sanitized":
        return "wipe"
    if not u.route:
        return "route"
    return "label"


def _minutes(a: str, b: str) -> float:
    return (clock.parse(b) - clock.parse(a)).total_seconds() / 60


def compute(ctx: StationContext, w: Window, now: datetime | None = None) -> Kpis:
    now = now or clock.now()
    elapsed = max(0.0, (min(now, w.end) - w.start).total_seconds() / 3600) or w.hours
    k = Kpis(w, elapsed)
    with ctx.store.reader() as s:
        k.units_in = s.execute(select(func.count()).select_from(Unit).where(
            Unit.created_at >= w.start_iso, Unit.created_at < w.end_iso)).scalar_one()
        finished = list(s.execute(select(*_FIGURES).where(Unit.finished_at >= w.start_iso,
                                                           Unit.finished_at < w.end_iso)))
        k.units_finished = len(finished)
        k.grade_mix = dict(Counter(u.sale_grade or "ungraded" for u in finished).most_common())
        cycles = sorted(_minutes(u.created_at, u.finished_at) for u in finished if u.finished_at)
        if cycles:
            k.cycle_median_min = statistics.median(cycles)
            k.cycle_p90_min = cycles[min(len(cycles) - 1, round(0.9 * (len(cycles) - 1)))]
        _technicians(s, w, k)
        _wipes(s, w, k)
        _routes(s, finished, k)
        _outcomes(s, w, k)
        _wip(s, k)
        _throughput(w, finished, k)
    return k


def _technicians(s: Session, w: Window, k: Kpis) -> None:
    rows = s.execute(select(Event.operator_name, func.count()).where(
        Event.kind == "unit.finished", Event.created_at >= w.start_iso, Event.created_at < w.end_iso,
    ).group_by(Event.operator_name)).all()
    k.per_technician = sorted(((name or "(not signed in)", n, n / k.hours_elapsed) for name, n in rows),
                              key=lambda r: -r[1])


def _wipes(s: Session, w: Window, k: Kpis) -> None:
    jobs = s.execute(select(WipeJob.status, WipeJob.reason).where(
        WipeJob.started_at >= w.start_iso, WipeJob.started_at < w.end_iso, WipeJob.status != "RUNNING")).all()
    failures: Counter[str] = Counter()
    for status, reason in jobs:
        if status == "FINISHED":
            k.wipes_passed += 1
        else:
            k.wipes_failed += 1
            failures[f"{status.lower()}: {(reason or 'no reason recorded').split('.')[0][:80]}"] += 1
    k.wipe_failures = dict(failures.most_common())


def _routes(s: Session, finished: list[Any], k: Kpis) -> None:
    k.routes = dict(Counter(u.route or "unrouted" for u in finished).most_common())
    for u in finished:
        if u.route:
            k.expected_value += float(u.expected_value or 0)
            k.estimated_value += float(u.estimated_value or 0)


def _outcomes(s: Session, w: Window, k: Kpis) -> None:
    latest: dict[int | None, bool] = {}
    for ev in s.execute(_events(w, "outcome.recorded").order_by(Event.seq)).scalars():
        latest[ev.unit_id] = bool(json.loads(ev.payload).get("accurate"))
    k.outcomes, k.outcomes_accurate = len(latest), sum(latest.values())


def _wip(s: Session, k: Kpis) -> None:
    stages: Counter[str] = Counter()
    for u in s.execute(select(*_FIGURES).where(Unit.finished_at.is_(None))):
        stage = stage_of(u)
        stages[stage] += 1
        if stage == "blocked":
            k.blocked.append((u.uid, u.blocked_reason or ""))
    k.wip = dict(stages.most_common())


def _throughput(w: Window, finished: list[Any], k: Kpis) -> None:
    hours = max(1, round(w.hours))
    buckets = [0] * hours
    for u in finished:
        if u.finished_at:
            i = int((clock.parse(u.finished_at) - w.start).total_seconds() // 3600)
            if 0 <= i < hours:
                buckets[i] += 1
    k.throughput = [((w.start + timedelta(hours=i)).strftime("%H:%M"), n) for i, n in enumerate(buckets)]


def units_behind(ctx: StationContext, w: Window, key: str, value: str | None = None) -> list[Unit]:
    """The units behind one figure: finished, grade, route, technician, stage, blocked, wipe_failed."""
    with ctx.store.reader() as s:
        if key == "finished":
            q = _finished(w)
        elif key == "grade":
            q = _finished(w).where(Unit.sale_grade == value) if value != "ungraded" else \
                _finished(w).where(Unit.sale_grade.is_(None))
        elif key == "route":
            q = _finished(w).where(Unit.route == value)
        elif key == "technician":
            q = select(Unit).join(Event, Event.unit_id == Unit.id).where(
                Event.kind == "unit.finished", Event.operator_name == value,
                Event.created_at >= w.start_iso, Event.created_at < w.end_iso)
        elif key == "wipe_failed":
            q = select(Unit).join(WipeJob, WipeJob.unit_id == Unit.id).where(
                WipeJob.started_at >= w.start_iso, WipeJob.started_at < w.end_iso,
                WipeJob.status.notin_(("FINISHED", "RUNNING")))
        elif key in ("stage", "blocked"):
            want = "blocked" if key == "blocked" else value
            ids = [u.id for u in s.execute(select(*_FIGURES).where(Unit.finished_at.is_(None))) if stage_of(u) == want]
            q = select(Unit).where(Unit.id.in_(ids[:5000]))
        else:
            raise ValueError(f"unknown KPI {key!r}")
        return list(s.execute(q.order_by(Unit.id).limit(5000)).scalars().unique())

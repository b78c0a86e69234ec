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

from sqlalchemy import Integer, Select, case, func, select
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


def _events(w: Window, kind: str) -> Select:
    return select(Event).where(Event.kind == kind, Event.created_at >= w.start_iso, Event.created_at < w.end_iso)


def stage_sql() -> Any:
    """Where an unfinished unit waits, from what has been recorded about it: blocked, then the
    first step missing (grade, wipe for data-bearing units, route), else the label. In SQL, so
    work in progress is counted by the database, not row by row."""
    return case(
        (func.coalesce(Unit.blocked_reason, "") != "", "blocked"),
        (func.coalesce(Unit.sale_grade, "") == "", "grade"),
        (Unit.device_class.in_(DATA_BEARING) & (func.coalesce(Unit.wipe_status, "") != "sanitized"), "wipe"),
        (func.coalesce(Unit.route, "") == "", "route"),
        else_="label",
    )


def compute(ctx: StationContext, w: Window, now: datetime | None = None) -> Kpis:
    """Every figure is aggregated in SQL over the window's rows; only the cycle times (for the
    median and p90) and the blocked units come back as rows."""
    now = now or clock.now()
    elapsed = max(0.0, (min(now, w.end) - w.start).total_seconds() / 3600) or w.hours
    k = Kpis(w, elapsed)
    in_window = (Unit.finished_at >= w.start_iso, Unit.finished_at < w.end_iso)
    with ctx.store.reader() as s:
        k.units_in = s.execute(select(func.count()).select_from(Unit).where(
            Unit.created_at >= w.start_iso, Unit.created_at < w.end_iso)).scalar_one()
        _grades_and_routes(s, in_window, k)
        minutes = (func.julianday(Unit.finished_at) - func.julianday(Unit.created_at)) * 1440.0
        cycles = sorted(s.execute(select(minutes).where(*in_window)).scalars())
        if cycles:
            k.cycle_median_min = statistics.median(cycles)
            k.cycle_p90_min = cycles[min(len(cycles) - 1, round(0.9 * (len(cycles) - 1)))]
        _technicians(s, w, k)
        _wipes(s, w, k)
        _outcomes(s, w, k)
        _wip(s, k)
        _throughput(s, w, in_window, k)
    return k


def _ranked(rows: Any) -> dict[str, int]:
    return dict(sorted(((str(key), int(n)) for key, n in rows), key=lambda kv: (-kv[1], kv[0])))


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


def _grades_and_routes(s: Session, in_window: tuple[Any, ...], k: Kpis) -> None:
    # One pass over the finished units, grouped by grade and route together: the grade
    # mix and the route mix are both sums over it (each separate pass cost ~25 ms at 20,000 units).
    grade, route = func.coalesce(Unit.sale_grade, "ungraded"), func.coalesce(Unit.route, "unrouted")
    rows = s.execute(select(grade, route, func.count(), func.sum(Unit.expected_value), func.sum(Unit.estimated_value))
                     .where(*in_window).group_by(grade, route)).all()
    grades: Counter[str] = Counter()
    routes: Counter[str] = Counter()
    for g, r, n, expected, estimated in rows:
        grades[g] += n
        routes[r] += n
        if r != "unrouted":
            k.expected_value += float(expected or 0)
            k.estimated_value += float(estimated or 0)
    k.grade_mix, k.routes = _ranked(grades.items()), _ranked(routes.items())
    k.units_finished = sum(grades.values())


def _outcomes(s: Session, w: Window, k: Kpis) -> None:
    latest: dict[int | None, bool] = {}
    for ev in s.execute(_events(w, "outcome.recorded").order_by(Event.seq)).scalars():
        latest[ev.unit_id] = bool(json.loads(ev.payload).get("accurate"))
    k.outcomes, k.outcomes_accurate = len(latest), sum(latest.values())


def _wip(s: Session, k: Kpis) -> None:
    stage = stage_sql()
    unfinished = Unit.finished_at.is_(None)
    k.wip = _ranked(s.execute(select(stage, func.count()).where(unfinished).group_by(stage)).all())
    if k.wip.get("blocked"):
        k.blocked = [(uid, reason or "") for uid, reason in s.execute(
            select(Unit.uid, Unit.blocked_reason).where(unfinished, stage == "blocked").order_by(Unit.id))]


def _throughput(s: Session, w: Window, in_window: tuple[Any, ...], k: Kpis) -> None:
    hours = max(1, round(w.hours))
    bucket = func.cast((func.julianday(Unit.finished_at) - func.julianday(w.start_iso)) * 24.0, Integer)
    counts: dict[int, int] = dict(s.execute(select(bucket, func.count()).where(*in_window).group_by(bucket)).all())
    k.throughput = [((w.start + timedelta(hours=i)).strftime("%H:%M"), int(counts.get(i, 0))) for i in range(hours)]


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
            q = select(Unit).where(Unit.finished_at.is_(None), stage_sql() == want)
        else:
            raise ValueError(f"unknown KPI {key!r}")
        return list(s.execute(q.order_by(Unit.id).limit(5000)).scalars().unique())

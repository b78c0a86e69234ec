"""Shift KPIs, computed from the store for one time window.

Each figure follows its definition in docs/supervisor.md ("KPI definitions"); change one
only together with the other. Every figure comes with the query that produced it reachable
through `units_behind`, so a supervisor can click a number and see the units behind it.
Queries touch only the window's rows through indexed columns, so a store of a million units
stays fast.
"""

from __future__ import annotations

import bisect
import json
import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from station import clock, value_kpis
from station.context import StationContext
from station.disposition import DATA_BEARING, judge
from station.disposition_rules import REUSE_ROUTES, ROUTES
from station.errors import UserFacingError
from station.i18n import _, ngettext
from station.models import Event, Operator, Unit, WipeJob
from station.shifts import Window

# Routes that end in landfill. None of the station's routes does: parts harvesting and
# recycling (shredding included) are diversion. A unit finished without a route is not
# counted as diverted (see diversion_rate), so the figure can fall below 100 %.
LANDFILL_ROUTES: frozenset[str] = frozenset()
assert set(ROUTES) >= LANDFILL_ROUTES, "a landfill route must be one of the station's routes"
NOT_SIGNED_IN = "(not signed in)"


def p90(values: list[float]) -> float | None:
    """The 90th percentile by the nearest-rank method: the smallest value that at least 90 % of
    the values do not exceed, i.e. sorted(values)[ceil(0.9 n) - 1]."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


@dataclass
class Kpis:
    window: Window
    hours_elapsed: float
    units_in: int = 0
    units_finished: int = 0
    per_technician: list[tuple[str, int, float]] = field(default_factory=list)  # name, finished, per hour
    grade_mix: dict[str, int] = field(default_factory=dict)
    wipes_passed: int = 0  # runs that ended sanitized (certifiable)
    wipes_failed: int = 0  # runs that ended FINISHED without sanitizing, or FAILED
    wipes_stopped: int = 0  # ABORTED by the technician or INTERRUPTED: not in the pass rate
    wipe_failures: dict[str, int] = field(default_factory=dict)  # "status: reason" -> count
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
    # cost per return: finished units priced when they were finished, and what their costs add up to
    cost_units: int = 0
    costs: dict[str, float] = field(default_factory=dict)  # shipping, labour, handling, inspection
    shipping_known: int = 0  # priced units whose inbound shipping was recorded
    labour_minutes: dict[str, float] = field(default_factory=dict)  # by step
    # cycle time to value: return initiated -> the outcome that closed the unit (sold, completed)
    value_cycle_median_days: float | None = None
    value_cycle_p90_days: float | None = None
    value_closed: int = 0  # units closed in the window with a known initiation day
    value_undated: int = 0  # closed in the window, initiation day unknown: not in the figure
    # routed against realised value: sales with a price recorded in the window, and what routing expected
    sales_priced: int = 0
    sales_realised: float = 0.0
    sales_expected: float = 0.0
    sales_missed: float = 0.0  # sum of |realised - routed value| over those sales

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
        return diversion(self.routes)

    @property
    def cost_per_return(self) -> float | None:
        return sum(self.costs.values()) / self.cost_units if self.cost_units else None

    def cost_text(self) -> str:
        """'18.50 (11.80 labour; 2 units)', as the Supervisor panel and the PDF show it."""
        if self.cost_per_return is None:
            return "–"
        labour = self.costs.get("labour", 0.0) / self.cost_units
        return ngettext("{cost} ({labour} labour; {count} unit)", "{cost} ({labour} labour; {count} units)",
                        self.cost_units).format(cost=f"{self.cost_per_return:,.2f}", labour=f"{labour:,.2f}",
                                                count=self.cost_units)

    @property
    def realised_rate(self) -> float | None:
        """Realised ÷ expected value over the sales priced in the window."""
        return self.sales_realised / self.sales_expected if self.sales_expected else None

    def realised_text(self) -> str:
        if self.realised_rate is None:
            return "–"
        return ngettext("{rate} ({realised} realised of {expected} expected; {count} sale)",
                        "{rate} ({realised} realised of {expected} expected; {count} sales)",
                        self.sales_priced).format(rate=f"{self.realised_rate:.0%}",
                                                  realised=f"{self.sales_realised:,.2f}",
                                                  expected=f"{self.sales_expected:,.2f}", count=self.sales_priced)

    @property
    def value_accuracy(self) -> float | None:
        """Disposition accuracy by value: 1 - sum|realised - routed| / sum routed over the sales priced
        in the window (docs/supervisor.md), 0 at worst; 100% when every sale met its routed value."""
        return max(0.0, 1 - self.sales_missed / self.sales_expected) if self.sales_expected else None

    def value_accuracy_text(self) -> str:
        """'88% (off by 12.40 a sale; 3 sales)', as the Supervisor panel and the PDF show it."""
        if self.value_accuracy is None:
            return "–"
        return ngettext("{rate} (off by {miss} a sale; {count} sale)", "{rate} (off by {miss} a sale; {count} sales)",
                        self.sales_priced).format(rate=f"{self.value_accuracy:.0%}",
                                                  miss=f"{self.sales_missed / self.sales_priced:,.2f}",
                                                  count=self.sales_priced)

    def value_cycle_text(self) -> str:
        """'2.4 / 3.4 days (2 closed, 1 undated)': median / p90 from return initiation to value."""
        undated = ngettext("{count} undated", "{count} undated", self.value_undated).format(
            count=self.value_undated) if self.value_undated else ""
        if self.value_cycle_median_days is None or self.value_cycle_p90_days is None:
            return "–" + (f" ({undated})" if undated else "")
        return ngettext("{median} / {p90} days ({count} closed{undated})",
                        "{median} / {p90} days ({count} closed{undated})", self.value_closed).format(
            median=f"{self.value_cycle_median_days:.1f}", p90=f"{self.value_cycle_p90_days:.1f}",
            count=self.value_closed, undated=f", {undated}" if undated else "")


def diversion(routes: dict[str, int]) -> float | None:
    """Finished units routed anywhere but landfill, over all finished units: one finished without
    a route ("unrouted") is not claimed as diverted."""
    finished = sum(routes.values())
    if not finished:
        return None
    return sum(n for r, n in routes.items() if r != "unrouted" and r not in LANDFILL_ROUTES) / finished


def _finished(w: Window) -> Select:
    return select(Unit).where(Unit.finished_at >= w.start_iso, Unit.finished_at < w.end_iso)


def stage_sql() -> Any:
    """Where an unfinished unit waits, from what has been recorded about it: blocked, then the
    first step missing (grade; a wipe for a data-bearing unit that is not sanitized, unless its wipe
    failed or it is routed where no wipe is needed (parts, recycling); route), else the label. In
    SQL, so work in progress is counted by the database, not row by row."""
    unsanitized = Unit.device_class.in_(DATA_BEARING) & (func.coalesce(Unit.wipe_status, "") != "sanitized")
    route = func.coalesce(Unit.route, "")
    return case(
        (func.coalesce(Unit.blocked_reason, "") != "", "blocked"),
        (func.coalesce(Unit.sale_grade, "") == "", "grade"),
        (unsanitized & route.in_(REUSE_ROUTES), "wipe"),
        (unsanitized & (route == "") & (func.coalesce(Unit.wipe_status, "") != "failed"), "wipe"),
        (route == "", "route"),
        else_="label",
    )


def compute(ctx: StationContext, w: Window, now: datetime | None = None) -> Kpis:
    """Every figure is aggregated in SQL over the window's rows; only the cycle times (for the
    median and p90) and the blocked units come back as rows."""
    k = Kpis(w, w.elapsed_hours(now or clock.now()))
    in_window = (Unit.finished_at >= w.start_iso, Unit.finished_at < w.end_iso)
    with ctx.store.reader() as s:
        k.units_in = s.execute(select(func.count()).select_from(Unit).where(
            Unit.created_at >= w.start_iso, Unit.created_at < w.end_iso)).scalar_one()
        _grades_and_routes(s, in_window, k)
        minutes = (func.julianday(Unit.finished_at) - func.julianday(Unit.created_at)) * 1440.0
        # julianday is a float of days: 77 minutes came back as 77.0000001; to the millisecond is exact enough
        cycles = sorted(round(m, 5) for m in s.execute(select(minutes).where(*in_window)).scalars())
        if cycles:
            k.cycle_median_min = statistics.median(cycles)
            k.cycle_p90_min = p90(cycles)
        _technicians(s, w, k)
        _wipes(s, w, k)
        _outcomes(s, w, k)
        _wip(s, w, k)
        _throughput(s, w, in_window, k)
        _value_loop(s, w, k)
    return k


def _value_loop(s: Session, w: Window, k: Kpis) -> None:
    c = value_kpis.costs(s, w)
    k.cost_units, k.costs, k.shipping_known, k.labour_minutes = c.units, c.parts, c.shipping_known, c.labour_minutes
    r = value_kpis.realised_value(s, w)
    k.sales_priced, k.sales_realised, k.sales_expected, k.sales_missed = r.sales, r.realised, r.expected, r.missed
    v = value_kpis.cycle_to_value(s, w)
    k.value_closed, k.value_undated = len(v.days), v.undated
    if v.days:
        k.value_cycle_median_days, k.value_cycle_p90_days = statistics.median(v.days), p90(v.days)


def _ranked(rows: Any) -> dict[str, int]:
    return dict(sorted(((str(key), int(n)) for key, n in rows), key=lambda kv: (-kv[1], kv[0])))


def _finishers(s: Session, w: Window) -> dict[int, int | None]:
    """Per unit finished in the window, the operator of the event that finished it (its latest
    `unit.finished`): a unit re-processed and finished again is one unit, credited once. Read
    through the (kind, created_at) and finished_at indexes; the event is written just after the
    unit's finished_at, so a finish in the window's last instant is looked for a minute past it."""
    finished = set(s.execute(select(Unit.id).where(Unit.finished_at >= w.start_iso,
                                                   Unit.finished_at < w.end_iso)).scalars())
    latest: dict[int, tuple[int, int | None]] = {}
    for unit_id, seq, operator_id in s.execute(select(Event.unit_id, Event.seq, Event.operator_id).where(
            Event.kind == "unit.finished", Event.created_at >= w.start_iso,
            Event.created_at < clock.iso(w.end + timedelta(minutes=1)))):
        if unit_id in finished and seq > latest.get(unit_id, (-1, None))[0]:
            latest[unit_id] = (seq, operator_id)
    return {unit_id: operator_id for unit_id, (_seq, operator_id) in latest.items()}


def _technicians(s: Session, w: Window, k: Kpis) -> None:
    # By operator id, named as the operator is named now: a rename is still one person.
    counts = Counter(_finishers(s, w).values())
    names: dict[int | None, str] = {None: NOT_SIGNED_IN}
    for op_id, name in s.execute(select(Operator.id, Operator.name).where(
            Operator.id.in_([i for i in counts if i is not None]))):
        names[op_id] = name
    k.per_technician = sorted(((names.get(op, NOT_SIGNED_IN), n, n / k.hours_elapsed) for op, n in counts.items()),
                              key=lambda r: (-r[1], r[0]))


def operator_ids(s: Session, name: str) -> list[int | None]:
    """The operator a name means, as sign-in reads it (case and spacing ignored); [None] for
    NOT_SIGNED_IN. Filters go by this id, so events recorded under a former name still count."""
    if name == NOT_SIGNED_IN:
        return [None]
    wanted = " ".join(name.split()).lower()
    ids = list(s.execute(select(Operator.id).where(func.lower(Operator.name) == wanted)).scalars())
    if not ids:
        raise UserFacingError(_("There is no operator named '{name}'; 'station operator list' shows who "
                                "exists.").format(name=name))
    return list(ids)


def _ended_jobs(w: Window) -> Select:
    return select(WipeJob.id, WipeJob.status, WipeJob.reason).where(
        WipeJob.started_at >= w.start_iso, WipeJob.started_at < w.end_iso, WipeJob.status != "RUNNING")


def _sanitized(s: Session, w: Window, job_ids: list[str]) -> set[str]:
    job_id = func.json_extract(Event.payload, "$.job_id")
    return {jid for jid, payload in s.execute(select(job_id, Event.payload).where(
        Event.kind == "wipe.finished", Event.created_at >= w.start_iso, job_id.in_(job_ids)))
        if json.loads(payload).get("sanitized") is True}


def _wipes(s: Session, w: Window, k: Kpis) -> None:
    jobs = s.execute(_ended_jobs(w)).all()
    # Whether a run sanitized is what its end event recorded (the result's `sanitized`: FINISHED,
    # Clear or Purge, verification passed), the same fact the unit's wipe result and its
    # certificate come from. A FINISHED run with `--verify none` is not a pass.
    sanitized = _sanitized(s, w, [job_id for job_id, _st, _r in jobs])
    failures: Counter[str] = Counter()
    for job_id, status, reason in jobs:
        if job_id in sanitized:
            k.wipes_passed += 1
            continue
        if status in ("ABORTED", "INTERRUPTED"):
            k.wipes_stopped += 1
        else:
            k.wipes_failed += 1
        why = reason or ("finished without a passed verification" if status == "FINISHED" else "no reason recorded")
        label = "not sanitized" if status == "FINISHED" else status.lower()
        failures[f"{label}: {' '.join(why.split())[:200]}"] += 1
    k.wipe_failures = dict(sorted(failures.items(), key=lambda kv: (-kv[1], kv[0])))


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
    """Disposition accuracy on the first inspection: per unit whose first recorded outcome falls in
    the window, that outcome judged against the unit's first route, as disposition.judge does."""
    in_window = select(Event.unit_id).where(Event.kind == "outcome.recorded", Event.created_at >= w.start_iso,
                                            Event.created_at < w.end_iso)
    first_outcome: dict[int | None, tuple[str, dict[str, Any]]] = {}
    first_route: dict[int | None, str] = {}
    for unit_id, kind, created, payload in s.execute(
            select(Event.unit_id, Event.kind, Event.created_at, Event.payload).where(
                Event.unit_id.in_(in_window), Event.kind.in_(("outcome.recorded", "route.assigned")))
            .order_by(Event.seq)):
        if kind == "outcome.recorded":
            first_outcome.setdefault(unit_id, (created, json.loads(payload)))
        else:
            first_route.setdefault(unit_id, json.loads(payload).get("route"))
    for unit_id, (created, o) in first_outcome.items():
        if not w.start_iso <= created < w.end_iso:
            continue  # its first inspection was reported in an earlier window
        route = first_route.get(unit_id, o.get("route"))
        accurate = judge(route, o.get("graded"), o["outcome"], o.get("sold_grade")) if o.get("outcome") \
            else bool(o.get("accurate"))
        k.outcomes += 1
        k.outcomes_accurate += accurate


def _open_at_end(w: Window) -> tuple[Any, Any]:
    """Units at the bench at the window's end: taken in before it and not finished by then. Two
    conditions, each answered by the finished_at index (one OR over both scanned every unit)."""
    before = Unit.created_at < w.end_iso
    return (Unit.finished_at.is_(None) & before, (Unit.finished_at >= w.end_iso) & before)


def _wip(s: Session, w: Window, k: Kpis) -> None:
    stage = stage_sql()
    counts: Counter[str] = Counter()
    for cond in _open_at_end(w):
        counts.update(dict(s.execute(select(stage, func.count()).where(cond).group_by(stage)).all()))
    k.wip = _ranked(counts.items())
    if k.wip.get("blocked"):
        k.blocked = sorted(((uid, reason or "") for cond in _open_at_end(w) for uid, reason in s.execute(
            select(Unit.uid, Unit.blocked_reason).where(cond, stage == "blocked"))))


def hour_buckets(w: Window) -> list[tuple[datetime, str]]:
    """The window cut at every local hour that exists in it, as (UTC start, label): seven buckets on
    the March night (no 02:00), nine on the October one, where the two 02:00 hours are labelled
    with their abbreviations ("02:00 CEST", "02:00 CET"). A window that starts mid-hour begins its
    first bucket there."""
    tz = w.start.tzinfo
    end = w.end.astimezone(UTC)
    t = w.start.astimezone(UTC)
    buckets = []
    while t < end:
        local = t.astimezone(tz)
        hour = local.replace(minute=0, second=0, microsecond=0)
        # a local hour that repeats (the autumn change) is told apart by its offset
        ambiguous = hour.replace(fold=1 - hour.fold).utcoffset() != hour.utcoffset()
        buckets.append((t, f"{local:%H:%M}" + (f" {local.tzname()}" if ambiguous else "")))
        t = max(hour.astimezone(UTC) + timedelta(hours=1), t + timedelta(minutes=15))
    return buckets


def _throughput(s: Session, w: Window, in_window: tuple[Any, ...], k: Kpis) -> None:
    # Counted per minute in SQL ("2026-10-25T01:20" of the UTC text) and placed in the local
    # hours here: exact for every zone (offsets are whole quarter hours) and on the hour itself.
    buckets = hour_buckets(w)
    starts = [b for b, _label in buckets]
    counts = [0] * len(buckets)
    minute = func.substr(Unit.finished_at, 1, 16)
    for text, n in s.execute(select(minute, func.count()).where(*in_window).group_by(minute)):
        at = datetime.fromisoformat(text).replace(tzinfo=UTC)
        counts[max(0, bisect.bisect_right(starts, at) - 1)] += int(n)
    k.throughput = [(label, n) for (_b, label), n in zip(buckets, counts, strict=True)]


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
            ids = operator_ids(s, value or NOT_SIGNED_IN)
            q = select(Unit).where(Unit.id.in_([u for u, op in _finishers(s, w).items() if op in ids]))
        elif key == "wipe_failed":
            jobs = s.execute(_ended_jobs(w)).all()
            passed = _sanitized(s, w, [job_id for job_id, _st, _r in jobs])
            failed = [job for job, status, _r in jobs if job not in passed and status in ("FINISHED", "FAILED")]
            q = select(Unit).join(WipeJob, WipeJob.unit_id == Unit.id).where(WipeJob.id.in_(failed))
        elif key in ("stage", "blocked"):
            want = "blocked" if key == "blocked" else value
            found = [u for cond in _open_at_end(w) for u in s.execute(
                select(Unit).where(cond, stage_sql() == want).order_by(Unit.id).limit(5000)).scalars()]
            return sorted(found, key=lambda u: u.id)[:5000]
        else:
            raise ValueError(f"unknown KPI {key!r}")
        return list(s.execute(q.order_by(Unit.id).limit(5000)).scalars().unique())

"""A whole night shift recomputed by hand: every KPI and the export's cells, against values worked out
here from the plan of the shift alone (never by calling station.kpis).

47 units, three technicians, wipes with every outcome, every route, outcomes recorded,
work before, inside and after the window; the night is Berlin's October change (22:00 CEST to
06:00 CET, 9 hours).
"""

from __future__ import annotations

import csv
import io
import math
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from station import clock, disposition, events, kpis, operators, shifts, units
from station.certs.result import MediaFacts, Status, Verification, WipeResult
from station.context import Operator, open_station
from station.disposition_rules import REUSE_ROUTES, ROUTES
from station.erase import ledger
from station.erase.phone import records
from station.reports import shift_rows, tabular
from station.wipe_record import JobKind

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 10, 24, 20, tzinfo=UTC)  # 22:00 CEST
END = datetime(2026, 10, 25, 5, tzinfo=UTC)  # 06:00 CET
CLASSES = ("phone", "laptop", "drive", "tablet", "other")
WIPES = ("sanitized", "unverified", "failed", "aborted", "interrupted")
TECHS = ("Ann", "Bob", "Cem")


@dataclass
class Plan:
    i: int
    tech: str
    cls: str
    intake: datetime
    wipe: str | None
    route: str | None
    finish: datetime | None
    outcome: str | None
    uid: str = ""
    times: list[datetime] = field(default_factory=list)  # every event of the unit

    @property
    def wipe_start(self) -> datetime:
        return self.intake + timedelta(minutes=4)


def _plan() -> list[Plan]:
    rng = random.Random(28)
    plans = []
    for i in range(47):
        intake = START + timedelta(minutes=rng.randint(-120, 545))
        cls = CLASSES[i % 5]
        wipe = WIPES[(i // 5) % 5] if cls != "other" else None
        route = ROUTES[i % len(ROUTES)] if i % 6 != 5 else None
        finish = intake + timedelta(minutes=rng.randint(8, 150)) if i % 7 != 3 else None
        sold = "sold" if i % 4 == 0 and route and finish else None
        plans.append(Plan(i, TECHS[i % 3], cls, intake, wipe, route, finish, sold))
    return plans


@pytest.fixture
def night(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "station.toml").write_text(
        '[station]\ntimezone = "Europe/Berlin"\n[shift]\nboundaries = "06:00,14:00,22:00"\n')
    ctx = open_station(data)
    now = [START - timedelta(days=1)]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    staff = {}
    for n, name in enumerate(TECHS):
        info = operators.add(ctx, name, "technician", badge=f"OP-{101 + n}", pin="1111")
        staff[name] = Operator(info.id, name, "technician")
    plans = _plan()
    steps = []  # (when, order, what, plan): the shift replayed in time order through the station's API
    for p in plans:
        steps.append((p.intake, 0, "intake", p))
        if p.wipe:
            steps.append((p.wipe_start, 1, "wipe", p))
        steps.append((p.intake + timedelta(minutes=6), 2, "route", p))
        if p.finish:
            steps.append((p.finish, 3, "finish", p))
            if p.outcome:
                steps.append((p.finish + timedelta(minutes=30), 4, "outcome", p))
    for when, _order, what, p in sorted(steps, key=lambda s: (s[0], s[1], s[3].i)):
        now[0] = when
        ctx.operator = staff[p.tech] if what != "outcome" else None
        p.times.append(when)
        if what == "intake":
            with ctx.store.session() as s:
                p.uid = units.create(s, ctx.actor, {"serial": f"N{p.i:03d}"}, device_class=p.cls).uid
        elif what == "wipe":
            _wipe(ctx, p)
        elif what == "route":
            with ctx.store.session() as s:
                u = units.by_uid(s, p.uid)
                units.touch(u, sale_grade="B", route=p.route, estimated_value=100.0, expected_value=50.0)
                events.append(s, ctx.actor, "grade.recorded", {"sale_grade": "B"}, u)
                if p.route:
                    events.append(s, ctx.actor, "route.assigned", {"route": p.route}, u)
        elif what == "finish":
            with ctx.store.session() as s:
                u = units.by_uid(s, p.uid)
                units.touch(u, stage="finished", finished_at=clock.iso())
                events.append(s, ctx.actor, "unit.finished", {}, u)
        else:
            disposition.record_outcome(ctx, p.uid, "sold", sold_grade="B")
    yield ctx, plans
    ctx.close()


def _wipe(ctx, p: Plan) -> None:
    status = {"sanitized": Status.FINISHED, "unverified": Status.FINISHED, "failed": Status.FAILED,
              "aborted": Status.ABORTED, "interrupted": Status.INTERRUPTED}[p.wipe]
    verification = Verification(mode="post-reset", passed=True) if p.wipe == "sanitized" else None
    result = WipeResult(job_id=f"job-{p.i}", media=MediaFacts(path="adb:X", kind="mobile device", serial=p.uid),
                        method="factory-reset", method_type="Purge", technique="crypto erase", status=status,
                        started_at=clock.iso())
    records.start_job(ctx, p.uid, result)
    result.verification, result.reason, result.ended_at = verification, f"{p.wipe}. Detail {p.i}", clock.iso()
    ledger.record_end(ctx, result, JobKind.PHONE_RESET)


def _inside(t: datetime | None) -> bool:
    return t is not None and START <= t < END


def test_every_kpi_of_the_october_night_recomputed(night) -> None:
    ctx, plans = night
    w = shifts.shift_at(ctx.config, START + timedelta(hours=5))
    assert (w.start, w.end) == (START, END)
    k = kpis.compute(ctx, w, now=END + timedelta(days=1))
    done = [p for p in plans if _inside(p.finish)]
    assert k.hours_elapsed == 9.0
    assert k.units_in == sum(_inside(p.intake) for p in plans)
    assert k.units_finished == len(done) and k.units_per_hour == pytest.approx(len(done) / 9)
    assert sorted(k.per_technician) == sorted((t, n, n / 9) for t, n in Counter(p.tech for p in done).items())
    wiped = [p for p in plans if p.wipe and _inside(p.wipe_start)]
    by = Counter(p.wipe for p in wiped)
    assert (k.wipes_passed, k.wipes_failed, k.wipes_stopped) == (
        by["sanitized"], by["unverified"] + by["failed"], by["aborted"] + by["interrupted"])
    assert k.wipe_pass_rate == pytest.approx(by["sanitized"] / (by["sanitized"] + by["unverified"] + by["failed"]))
    cycles = sorted((p.finish - p.intake).total_seconds() / 60 for p in done if p.finish)
    assert k.cycle_median_min == statistics.median(cycles)  # whole minutes, exactly: no float's tail
    assert k.cycle_p90_min == cycles[math.ceil(0.9 * len(cycles)) - 1]
    assert k.routes == dict(Counter(p.route or "unrouted" for p in done))
    assert set(ROUTES) <= {p.route for p in plans}  # every route is in the plan
    assert k.diversion_rate == pytest.approx(sum(1 for p in done if p.route) / len(done))
    assert k.expected_value == pytest.approx(50.0 * sum(1 for p in done if p.route))
    firsts = [p for p in plans if p.outcome and _inside(p.finish + timedelta(minutes=30))]  # type: ignore[operator]
    assert (k.outcomes, k.outcomes_accurate) == (len(firsts), sum(p.route in disposition.SALE_ROUTES for p in firsts))
    hours = [0] * 9
    for p in done:
        hours[int((p.finish - START).total_seconds() // 3600)] += 1  # type: ignore[operator]
    labels = ["22:00", "23:00", "00:00", "01:00", "02:00 CEST", "02:00 CET", "03:00", "04:00", "05:00"]
    assert k.throughput == list(zip(labels, hours, strict=True))
    at_bench = [p for p in plans if p.intake < END and not (p.finish and p.finish < END)]
    stages = Counter()
    for p in at_bench:
        unsanitized = p.cls != "other" and p.wipe != "sanitized"
        if unsanitized and (p.route in REUSE_ROUTES or (not p.route and p.wipe != "failed")):
            stages["wipe"] += 1
        else:
            stages["route" if not p.route else "label"] += 1
    assert k.wip == dict(stages)


def test_every_export_cell_of_the_october_night(night, tmp_path: Path) -> None:
    ctx, plans = night
    w = shifts.Window(START.astimezone(BERLIN), END.astimezone(BERLIN))
    touched = {p.uid: p for p in plans if any(_inside(t) for t in p.times)}
    log = shift_rows.shift_log(ctx, w)
    assert {r["uid"] for r in log.rows} == set(touched)
    status = {"sanitized": "sanitized", "unverified": "failed", "failed": "failed", "aborted": "aborted",
              "interrupted": "interrupted", None: ""}
    table = list(csv.DictReader(io.StringIO(tabular.write_csv(log, tmp_path / "n.csv").read_text("utf-8-sig"),
                                            newline="")))
    ws = openpyxl.load_workbook(tabular.write_xlsx(log, tmp_path / "n.xlsx"))["Shift log"]
    header = [c.value for c in ws[1]]
    cells = {row[0].value: dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)}
    for r in table:
        p = touched[r["Unit"]]
        local = p.finish.astimezone(BERLIN) if p.finish else None
        assert (r["Class"], r["Route"], r["Wipe result"], r["Operators"]) == (
            p.cls, p.route or "", status[p.wipe], p.tech)
        assert r["Finished"] == (local.isoformat(sep=" ") if local else "")
        assert r["Intake"] == p.intake.astimezone(BERLIN).isoformat(sep=" ")
        x = cells[p.uid]
        assert x["Finished"].value == (local.replace(tzinfo=None) if local else None)
        assert x["Finished UTC offset"].value == (f"UTC+0{int(local.utcoffset().total_seconds() // 3600)}:00"
                                                  if local else None)
        assert x["Finished"].data_type == ("d" if local else "n") and x["Expected value"].data_type == "n"
        cycle = round((p.finish - p.intake).total_seconds() / 60, 1) if p.finish else None
        assert x["Cycle time (min)"].value == cycle

"""A scripted shift, with every KPI and export figure checked by hand."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from station import clock, events, kpis, operators, shifts, units
from station.context import Operator, open_station
from station.models import WipeJob
from station.reports import shift_rows, tabular

BERLIN = "Europe/Berlin"


def at(hhmm: str) -> datetime:
    """Local Berlin time on 2026-11-23 (UTC+1 in November)."""
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, 23, h - 1, m, tzinfo=UTC)


@pytest.fixture
def shift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "station.toml").write_text(f'[station]\ntimezone = "{BERLIN}"\n[shift]\nboundaries = "06:00,14:00,22:00"\n')
    ctx = open_station(data)
    now = [at("05:00")]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    ann = operators.add(ctx, "Ann", "technician", badge="OP-101", pin="1111")
    bob = operators.add(ctx, "Bob", "technician", badge="OP-102", pin="2222")
    operators.add(ctx, "Sue", "supervisor", badge="OP-900", pin="9999")
    who = {"Ann": Operator(ann.id, "Ann", "technician"), "Bob": Operator(bob.id, "Bob", "technician")}

    def step(hhmm: str, name: str) -> None:
        now[0] = at(hhmm)
        ctx.operator = who[name]

    def unit(serial: str, cls: str, intake: str, by: str, **fields) -> str:
        step(intake, by)
        with ctx.store.session() as s:
            return units.create(s, ctx.actor, {"serial": serial}, device_class=cls, **fields).uid

    def wipe(uid: str, when: str, status: str, reason: str | None = None) -> None:
        now[0] = at(when)
        with ctx.store.session() as s:
            u = units.by_uid(s, uid)
            s.add(WipeJob(id=f"job-{uid}-{when}", unit_id=u.id, device="/dev/sdx", method="clear", verify="sample",
                          status=status, reason=reason, started_at=clock.iso()))
            events.append(s, ctx.actor, "wipe.finished", {"job_id": f"job-{uid}-{when}", "status": status,
                                                          "reason": reason, "sanitized": status == "FINISHED"}, u)
            units.touch(u, wipe_status="sanitized" if status == "FINISHED" else status.lower())

    def grade_route(uid: str, when: str, by: str, grade: str, route: str, est: float, rate: float) -> None:
        step(when, by)
        with ctx.store.session() as s:
            u = units.by_uid(s, uid)
            units.touch(u, sale_grade=grade, cosmetic_grade=grade[0], route=route, expected_value=est * rate,
                        estimated_value=est)
            events.append(s, ctx.actor, "grade.recorded", {"sale_grade": grade}, u)
            events.append(s, ctx.actor, "route.assigned", {"route": route, "estimated_value": est,
                                                           "expected_value": est * rate}, u)

    def finish(uid: str, when: str, by: str) -> None:
        step(when, by)
        with ctx.store.session() as s:
            u = units.by_uid(s, uid)
            units.touch(u, stage="finished", finished_at=clock.iso())
            events.append(s, ctx.actor, "unit.finished", {}, u)

    def outcome(uid: str, when: str, accurate: bool) -> None:
        now[0] = at(when)
        ctx.operator = None  # recorded later from the buyer's report, not at the bench
        with ctx.store.session() as s:
            events.append(s, ctx.actor, "outcome.recorded", {"accurate": accurate}, units.by_uid(s, uid))

    u6 = unit("S6", "phone", "05:00", "Ann")  # came in during the night shift, finished in this one
    wipe(u6, "05:30", "FINISHED")
    grade_route(u6, "05:50", "Ann", "A", "resell_retail", 150, 0.85)
    finish(u6, "06:05", "Ann")
    u1 = unit("S1", "phone", "06:10", "Ann")
    wipe(u1, "06:15", "FINISHED")
    grade_route(u1, "06:30", "Ann", "A+", "resell_retail", 200, 0.85)
    finish(u1, "06:40", "Ann")
    u2 = unit("S2", "phone", "06:20", "Bob")
    wipe(u2, "06:25", "FAILED", "I/O error at LBA 4096. The drive was pulled")
    grade_route(u2, "07:00", "Bob", "B", "harvest_parts", 50, 0.20)
    finish(u2, "07:20", "Bob")
    u3 = unit("S3", "laptop", "07:00", "Bob")
    wipe(u3, "07:30", "FINISHED")
    grade_route(u3, "08:00", "Bob", "C-", "recycle", 20, 0.03)
    finish(u3, "08:30", "Bob")
    u4 = unit("S4", "drive", "09:00", "Ann")
    step("09:10", "Ann")
    with ctx.store.session() as s:
        units.touch(units.by_uid(s, u4), sale_grade="B")
    unit("S5", "phone", "09:30", "Bob", blocked_reason="Google account present (FRP)")
    outcome(u1, "10:00", True)
    outcome(u3, "10:05", True)
    outcome(u2, "10:10", False)
    now[0] = at("14:00")
    ctx.operator = None
    yield ctx, {"u1": u1, "u2": u2, "u3": u3, "u4": u4, "u6": u6}
    ctx.close()


def test_kpis_of_the_scripted_shift(shift) -> None:
    ctx, u = shift
    w = shifts.shift_at(ctx.config, at("10:00"))
    assert (w.start, w.end) == (at("06:00"), at("14:00")) and w.name == "Shift 1"
    k = kpis.compute(ctx, w)
    assert k.units_in == 5  # S1-S5; S6 came in before 06:00
    assert k.units_finished == 4  # S6, S1, S2, S3
    assert k.hours_elapsed == 8.0 and k.units_per_hour == 0.5
    assert sorted(k.per_technician) == [("Ann", 2, 0.25), ("Bob", 2, 0.25)]
    assert k.grade_mix == {"A": 1, "A+": 1, "B": 1, "C-": 1}
    assert (k.wipes_passed, k.wipes_failed) == (2, 1)  # S6's wipe ran in the night shift
    assert k.wipe_pass_rate == pytest.approx(2 / 3)
    assert k.wipe_failures == {"failed: I/O error at LBA 4096. The drive was pulled": 1}  # the whole reason
    assert k.cycle_median_min == pytest.approx(62.5)  # 30, 60, 65, 90
    assert k.cycle_p90_min == pytest.approx(90.0)
    assert k.routes == {"resell_retail": 2, "harvest_parts": 1, "recycle": 1}
    assert k.expected_value == pytest.approx(170 + 10 + 0.6 + 127.5)
    assert k.estimated_value == pytest.approx(420)
    assert k.recovery_rate == pytest.approx(308.1 / 420)
    assert (k.outcomes, k.outcomes_accurate) == (3, 2)
    assert k.diversion_rate == 1.0
    assert k.wip == {"wipe": 1, "blocked": 1}
    assert k.blocked == [(k.blocked[0][0], "Google account present (FRP)")]
    assert dict(k.throughput)["06:00"] == 2 and dict(k.throughput)["08:00"] == 1  # hours in local time
    assert {x.uid for x in kpis.units_behind(ctx, w, "technician", "Ann")} == {u["u1"], u["u6"]}
    assert [x.uid for x in kpis.units_behind(ctx, w, "wipe_failed")] == [u["u2"]]
    assert [x.uid for x in kpis.units_behind(ctx, w, "stage", "wipe")] == [u["u4"]]


def test_csv_and_xlsx_exports_hold_the_same_values(shift, tmp_path: Path) -> None:
    ctx, u = shift
    w = shifts.shift_at(ctx.config, at("10:00"))
    log = shift_rows.shift_log(ctx, w)
    assert len(log.rows) == 6 and log.zone == BERLIN
    by_uid = {r["uid"]: r for r in log.rows}
    r1 = by_uid[u["u1"]]
    assert (r1["sale_grade"], r1["route"], r1["wipe_status"], r1["wipe_method"]) == ("A+", "resell_retail",
                                                                                     "sanitized", "clear")
    assert r1["intake_at"] == datetime(2026, 11, 23, 6, 10, tzinfo=ZoneInfo(BERLIN)) and r1["cycle_minutes"] == 30.0
    assert r1["operators"] == "Ann" and r1["expected_value"] == pytest.approx(170)
    tabular.write_csv(log, tmp_path / "s.csv")
    raw = (tmp_path / "s.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfUnit,") and raw.count(b"\n") == raw.count(b"\r\n") == 7  # header first
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert {t["Intake"] for t in table if t["Unit"] == u["u1"]} == {"2026-11-23 06:10:00+01:00"}
    assert len(table) == 6 and {t["Unit"] for t in table} == set(by_uid)
    tabular.write_xlsx(log, tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    ws = wb["Shift log"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:AK7"  # every column, the value loop's too
    header = [c.value for c in ws[1]]
    got = {row[0]: dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)}
    x1 = got[u["u1"]]
    assert x1["Intake"] == datetime(2026, 11, 23, 6, 10)  # a real date cell, not text
    assert x1["Intake UTC offset"] == "UTC+01:00"
    assert x1["Cycle time (min)"] == 30.0 and x1["Expected value"] == pytest.approx(170)
    assert x1["Photos"] == 0 and x1["Label printed"] is False
    assert got[u["u4"]]["Finished"] is None
    only_ann = shift_rows.shift_log(ctx, w, "Ann")
    assert {r["uid"] for r in only_ann.rows} == {u["u1"], u["u6"], u["u4"]}


def _export(data: Path, name: str, pin: str, out: Path, fmt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station", "--data-dir", str(data), "export", "shift",
                           "--from", "2026-11-23T06:00", "--to", "2026-11-23T14:00", "--format", fmt,
                           "--out", str(out), "--supervisor", name, "--pin-stdin"],
                          input=pin + "\n", capture_output=True, text=True, timeout=120)


def test_a_technician_cannot_export_a_supervisor_can(shift, tmp_path: Path) -> None:
    ctx, _u = shift
    data = ctx.data.root
    r = _export(data, "Ann", "1111", tmp_path / "x.csv", "csv")
    assert r.returncode == 2 and "need a supervisor" in r.stderr and not (tmp_path / "x.csv").exists()
    r = _export(data, "Sue", "0000", tmp_path / "x.csv", "csv")
    assert r.returncode == 2 and not (tmp_path / "x.csv").exists()
    r = _export(data, "Sue", "9999", tmp_path / "x.pdf", "pdf")
    assert r.returncode == 0, r.stderr
    assert "6 units" in r.stdout and (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(tmp_path / "x.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Shift report" in text and BERLIN in text and "67%" in text  # wipe pass rate 2 of 3

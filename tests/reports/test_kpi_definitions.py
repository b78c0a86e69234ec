"""Each KPI by its definition in docs/supervisor.md, checked against values worked out here by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from station import clock, disposition, events, kpis, operators, shifts, units, workflow
from station.certs.result import MediaFacts, Status, Verification, WipeResult
from station.context import Operator, StationContext, open_station
from station.disposition_rules import ROUTES
from station.erase import ledger
from station.erase.phone import records
from station.errors import UserFacingError
from station.reports import shift_rows
from station.sync.configpull import APPLIERS
from station.wipe_record import JobKind

DAY = datetime(2026, 11, 23, tzinfo=UTC)
W = shifts.Window(DAY + timedelta(hours=5), DAY + timedelta(hours=13), "Shift 1")  # 06:00-14:00 Berlin


class Bench:
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        data = tmp_path / "data"
        data.mkdir()
        (data / "station.toml").write_text('[station]\ntimezone = "Europe/Berlin"\n')
        self.ctx: StationContext = open_station(data)
        self.now = [DAY + timedelta(hours=5)]
        monkeypatch.setattr(clock, "now", lambda: self.now[0])
        self.staff: dict[str, Operator] = {}

    def at(self, minutes: int, who: str | None = None) -> None:
        """`minutes` after the window's start; `who` signs in (None: nobody)."""
        self.now[0] = W.start + timedelta(minutes=minutes)
        self.ctx.operator = self.staff[who] if who else None

    def hire(self, name: str, badge: str) -> None:
        info = operators.add(self.ctx, name, "technician", badge=badge, pin="1111")
        self.staff[name] = Operator(info.id, info.name, "technician")

    def unit(self, serial: str, cls: str = "phone") -> str:
        with self.ctx.store.session() as s:
            return units.create(s, self.ctx.actor, {"serial": serial}, device_class=cls).uid

    def grade_route(self, uid: str, route: str, grade: str = "B") -> None:
        with self.ctx.store.session() as s:
            u = units.by_uid(s, uid)
            units.touch(u, sale_grade=grade, route=route)
            events.append(s, self.ctx.actor, "grade.recorded", {"sale_grade": grade}, u)
            events.append(s, self.ctx.actor, "route.assigned", {"route": route}, u)

    def finish(self, uid: str) -> None:
        with self.ctx.store.session() as s:
            u = units.by_uid(s, uid)
            units.touch(u, stage="finished", finished_at=clock.iso())
            events.append(s, self.ctx.actor, "unit.finished", {}, u)

    def wipe(self, uid: str, status: Status, verification: Verification | None, reason: str = "") -> None:
        """Through the phone wipe's own records: the job row, wipe.started and wipe.finished."""
        media = MediaFacts(path="adb:X", kind="mobile device", bus="adb", serial=uid)
        result = WipeResult(job_id=f"job-{uid}-{len(self.now)}-{self.now[0]:%H%M}", media=media,
                            method="factory-reset", method_type="Purge", technique="crypto erase", status=status,
                            started_at=clock.iso())
        records.start_job(self.ctx, uid, result)
        result.verification, result.reason, result.ended_at = verification, reason, clock.iso()
        ledger.record_end(self.ctx, result, JobKind.PHONE_RESET)


@pytest.fixture
def bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    b = Bench(tmp_path, monkeypatch)
    yield b
    b.ctx.close()


def test_per_technician_is_by_operator_and_counts_units_not_events(bench: Bench) -> None:
    bench.hire("Ann Lee", "OP-101")
    bench.hire("Bob", "OP-102")
    bench.at(0, "Ann Lee")
    u1, u2, u3 = bench.unit("S1"), bench.unit("S2"), bench.unit("S3")
    bench.at(10, "Ann Lee")
    bench.finish(u1)
    bench.at(20, "Bob")
    bench.finish(u3)
    bench.at(30, "Ann Lee")
    workflow.reprocess(bench.ctx, u1, "screen re-tested")  # re-processed and finished again: still one unit
    bench.finish(u1)
    with bench.ctx.store.session() as s:  # the hub's operator list renames her (same badge, same person)
        APPLIERS["operators"](s, json.dumps([{"badge": "OP-101", "name": "Ann Weber"}]))
    bench.ctx.operator = Operator(bench.staff["Ann Lee"].id, "Ann Weber", "technician")
    bench.now[0] = W.start + timedelta(minutes=40)
    bench.finish(u2)
    k = kpis.compute(bench.ctx, W, now=W.end)
    assert k.per_technician == [("Ann Weber", 2, 2 / 8), ("Bob", 1, 1 / 8)]
    assert k.units_finished == 3
    behind = {u.uid for u in kpis.units_behind(bench.ctx, W, "technician", "ann weber")}
    assert behind == {u1, u2}
    # The export's operator filter finds the person under either spelling, with every unit she touched.
    for name in ("Ann Weber", "ann weber", "  ANN   WEBER "):
        log = shift_rows.shift_log(bench.ctx, W, name)
        assert {r["uid"] for r in log.rows} == {u1, u2, u3}, name
    assert {r["uid"]: r["operators"] for r in shift_rows.shift_log(bench.ctx, W).rows}[u3] == "Ann Weber\nBob"
    with pytest.raises(UserFacingError, match="no operator named 'Nobody'"):
        shift_rows.shift_log(bench.ctx, W, "Nobody")


def test_wipe_pass_rate_counts_only_certifiable_runs_and_agrees_with_the_export(bench: Bench) -> None:
    bench.at(0)
    ok, unverified, failed, stopped = (bench.unit(f"S{i}") for i in range(4))
    bench.at(10)
    bench.wipe(ok, Status.FINISHED, Verification(mode="post-reset", passed=True))
    bench.wipe(unverified, Status.FINISHED, None)  # `--verify none`: finished, but nothing to certify
    bench.wipe(failed, Status.FAILED, Verification(mode="post-reset", passed=False),
               "Files survived the reset. The phone is not sanitized")
    bench.wipe(stopped, Status.ABORTED, None, "Stopped by the technician.")
    k = kpis.compute(bench.ctx, W, now=W.end)
    assert k.wipe_pass_rate == pytest.approx(1 / 3)  # sanitized / (finished + failed runs)
    assert (k.wipes_passed, k.wipes_failed, k.wipes_stopped) == (1, 2, 1)
    assert k.wipe_failures == {
        "failed: Files survived the reset. The phone is not sanitized": 1,
        "not sanitized: finished without a passed verification": 1,
        "aborted: Stopped by the technician.": 1,
    }
    rows = {r["uid"]: r["wipe_status"] for r in shift_rows.shift_log(bench.ctx, W).rows}
    assert rows == {ok: "sanitized", unverified: "failed", failed: "failed", stopped: "aborted"}
    assert sum(v == "sanitized" for v in rows.values()) == k.wipes_passed
    assert sum(v == "failed" for v in rows.values()) == k.wipes_failed
    assert {u.uid for u in kpis.units_behind(bench.ctx, W, "wipe_failed")} == {unverified, failed}


def test_waste_diversion_names_real_routes_and_can_fall_below_100(bench: Bench) -> None:
    assert set(ROUTES) >= kpis.LANDFILL_ROUTES
    bench.at(0)
    a, b, c = bench.unit("S1"), bench.unit("S2"), bench.unit("S3")
    bench.grade_route(a, "recycle")
    bench.grade_route(b, "resell_retail")
    bench.at(30)
    for uid in (a, b, c):  # c was finished without a route
        bench.finish(uid)
    assert kpis.compute(bench.ctx, W, now=W.end).diversion_rate == pytest.approx(2 / 3)


def test_work_in_progress_is_at_the_windows_end_by_the_real_stage(bench: Bench) -> None:
    bench.at(0)
    parts, retail, waiting = bench.unit("S1"), bench.unit("S2"), bench.unit("S3")
    bench.at(5)
    for uid in (parts, retail, waiting):
        bench.wipe(uid, Status.FAILED, None, "Phone did not answer.")
    bench.grade_route(parts, "harvest_parts")  # goes where no wipe is needed: waits for its label
    bench.grade_route(retail, "resell_retail")  # must still be wiped before it can leave
    with bench.ctx.store.session() as s:
        units.touch(units.by_uid(s, waiting), sale_grade="C")  # graded, wipe failed, no route yet
    k = kpis.compute(bench.ctx, W, now=W.end)
    assert k.wip == {"label": 1, "route": 1, "wipe": 1}
    before = shifts.Window(W.start - timedelta(days=1), W.end - timedelta(days=1))
    assert kpis.compute(bench.ctx, before, now=W.end).wip == {}  # no unit existed yet
    assert kpis.units_behind(bench.ctx, before, "stage", "wipe") == []


def test_disposition_accuracy_judges_the_first_inspection_against_the_first_route(bench: Bench) -> None:
    bench.at(0)
    uid = bench.unit("S1")
    bench.grade_route(uid, "harvest_parts")
    bench.at(30)
    disposition.record_outcome(bench.ctx, uid, "sold", sold_grade="B")  # sold, but it was sent to parts
    with bench.ctx.store.session() as s:
        units.touch(units.by_uid(s, uid), route="resell_retail")  # re-routed afterwards
    bench.at(60)
    disposition.record_outcome(bench.ctx, uid, "sold", sold_grade="B")  # now judged "accurate"
    k = kpis.compute(bench.ctx, W, now=W.end)
    assert (k.outcomes, k.outcomes_accurate) == (1, 0)


def test_p90_is_nearest_rank() -> None:
    assert kpis.p90([10, 20, 30, 40, 50, 60]) == 60  # ceil(0.9 * 6) = 6th value
    assert kpis.p90([float(i) for i in range(1, 11)]) == 9.0  # ceil(9.0) = 9th value
    assert kpis.p90([5.0]) == 5.0 and kpis.p90([]) is None

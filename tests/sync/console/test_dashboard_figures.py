"""The dashboard's figures (fleet_rows: only the columns the summary reads) against the shift report's
summary of the full shift log (shift_export), on a real PostgreSQL: units in and out of the window,
regrades, reopened units, wipes that failed, stopped, or were overtaken by a certificate, payloads
missing keys, a station without a site, and then events that arrive late for hours already shown."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from station.reports.hub_pdf import HubSummary, summarize
from station.sync.hub import sites
from station.sync.hub.console import fleet
from station.sync.hub.db import HubStore
from station.sync.hub.models import HubEvent, HubStation

NOW = datetime(2026, 12, 7, 18, 0, 0, 250_000, tzinfo=UTC)
_seq: dict[str, Iterator[int]] = {}


def _event(station: str, uid: str, kind: str, hours_ago: float, payload: Any = None,
           operator: str | None = "Ann") -> HubEvent:
    seq = next(_seq.setdefault(station, itertools.count(1)))
    at = NOW - timedelta(hours=hours_ago)
    return HubEvent(station_id=station, seq=seq, hash=f"{seq:064x}", prev_hash="", kind=kind, unit_uid=uid,
                    operator_name=operator, operator_id=None, at=at, body="{}",
                    payload={} if payload is None else payload, received_at=at)


def _unit(station: str, uid: str, start: float, *, grade: str | None = "A", wipe: dict[str, Any] | None = None,
          route: dict[str, Any] | None = None, finish: float | None = None, by: str | None = "Ann",
          created: bool = True) -> list[HubEvent]:
    """A unit's events, `start` hours ago, a step every 6 minutes; `finish` hours ago when finished."""
    out = [_event(station, uid, "unit.created", start, {"identifiers": {"serial": uid}})] if created else \
        [_event(station, uid, "photo.captured", start, {"stage": "intake"})]
    if grade is not None:
        out.append(_event(station, uid, "grade.recorded", start - 0.1, {"sale_grade": grade, "cosmetic": "B"}))
    if wipe is not None:
        out.append(_event(station, uid, "wipe.finished", start - 0.2, wipe))
    if route is not None:
        out.append(_event(station, uid, "route.assigned", start - 0.3, route))
    if finish is not None:
        out.append(_event(station, uid, "unit.finished", finish, {}, operator=by))
    return out


PASSED = {"status": "FINISHED", "sanitized": True, "reason": ""}
FAILED = {"status": "FAILED", "sanitized": False, "reason": "verify  mismatch\nat 12%"}
STOPPED = {"status": "ABORTED", "sanitized": False, "reason": "operator stopped it"}


def _fleet() -> list[HubEvent]:
    resell = {"route": "resell_retail", "expected_value": 100.1, "estimated_value": 120.3}
    return [
        *_unit("st-a", "A1", 5, wipe=PASSED, route=resell, finish=4.4),
        *_unit("st-a", "A2", 9, grade="B", wipe=FAILED, route={"route": "recycle", "expected_value": 0},
               finish=2.05),
        _event("st-a", "A2", "grade.overridden", 2.5, {"sale_grade": "C"}),  # the override wins, not "B"
        *_unit("st-a", "A3", 3, wipe=STOPPED, route={"route": "parts", "expected_value": "12"}, finish=1.2,
               by="Bob"),
        *_unit("st-a", "A4", 6, grade=None, wipe=FAILED, created=False),  # touched, no unit.created, ungraded
        _event("st-a", "A4", "certificate.issued", 5.5, {"certificate_id": "C-1", "status": "FINISHED",
                                                          "sanitized": True}),  # a later certificate: sanitized
        *_unit("st-a", "A5", 30, route=resell, finish=29),  # outside the window: not touched
        *_unit("st-b", "B1", 7.9, grade="B+", wipe=PASSED, route={"route": "parts", "expected_value": 33.3,
                                                                     "estimated_value": 50}, finish=7.5, by=None),
        _event("st-b", "B1", "unit.reopened", 1.0, {}),  # finished, then reopened: not finished
        *_unit("st-b", "B2", 12, grade=None, wipe=STOPPED, finish=11),  # finished before, touched in the window:
        _event("st-b", "B2", "photo.captured", 0.5, {"stage": "after"}),
        *_unit("st-b", "B3", 2, wipe=PASSED, route={"route": "resell_wholesale"}, finish=0.4),
        _event("st-b", "B3", "wipe.interrupted", 0.3, {}),  # an empty end is no end: the unit shows none
        *_unit("st-c", "C1", 4, grade="D", wipe=FAILED, route=resell, finish=3.33, by="Cid"),
        *_unit("st-c", "C2", 1, wipe={"status": "FINISHED"}, finish=0.1),  # no "sanitized": failed
    ]


def _late() -> list[HubEvent]:
    """What a station that was offline for hours sends at last: hours already on the dashboard change."""
    return [
        *_unit("st-b", "B4", 6.5, grade="A", wipe=FAILED, route={"route": "recycle", "expected_value": 1.5},
               finish=6.1),
        _event("st-a", "A1", "unit.reopened", 4.0, {}),  # A1 was finished 4.4 h ago; now it is not
        _event("st-c", "C1", "grade.overridden", 3.5, {"sale_grade": "B"}),
        _event("st-c", "C1", "wipe.finished", 3.4, PASSED),
        *_unit("st-c", "C3", 20, grade="C", finish=7.0, by="Cid"),  # intake long ago, finished in the window
    ]


def _both(store: HubStore, hours: float, site: str | None) -> tuple[HubSummary, HubSummary]:
    w = fleet.window(hours, NOW)
    with store.session() as s:
        return fleet.figures(s, w, site, NOW).summary, summarize(fleet.rows_log(s, w, site), NOW)


def test_dashboard_figures_are_the_shift_logs_including_late_events(hub_store: HubStore) -> None:
    _seq.clear()
    with hub_store.session() as s:
        sites.ensure(s, "north")
        sites.ensure(s, "south")
        s.add_all([HubStation(id=st, site_id=site, created_at=NOW, head_seq=0, head_hash="")
                   for st, site in (("st-a", "north"), ("st-b", "south"), ("st-c", None))])
        s.flush()
        s.add_all(_fleet())
    before = {}
    for hours, site in ((8, None), (8, "north"), (24, None), (1, "south")):
        got, direct = _both(hub_store, hours, site)
        assert repr(got) == repr(direct), (hours, site)  # every figure, and the order the tables list them in
        before[hours, site] = got
    k = before[8, None]
    assert (k.units, k.units_in, k.units_finished) == (9, 7, 6)
    assert k.grade_mix == {"A": 4, "C": 1, "D": 1} and k.per_station[0][0] == "st-a"
    assert k.wipe_failures == {"failed: verify mismatch at 12%": 2, "failed: no reason recorded": 1,
                               "aborted: operator stopped it": 2}
    assert (k.wipes_passed, k.wipes_failed, k.wipes_stopped) == (3, 3, 2)

    with hub_store.session() as s:
        s.add_all(_late())
    for (hours, site), was in before.items():
        got, direct = _both(hub_store, hours, site)
        assert repr(got) == repr(direct), (hours, site)
        if (hours, site) != (1, "south"):  # every other scope holds a late event in its window
            assert repr(got) != repr(was), (hours, site)
    k = _both(hub_store, 8, None)[0]
    assert (k.units, k.units_finished, k.grade_mix["B"]) == (11, 7, 1)

"""Shifts across Europe/Berlin's DST changes and midnight: real lengths, every local hour, right labels."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from station import clock, events, kpis, shifts, units
from station.context import open_station
from station.reports import shift_rows, tabular

BERLIN = ZoneInfo("Europe/Berlin")


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@pytest.fixture
def station(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def make(zone: str = "Europe/Berlin"):
        data = tmp_path / "data"
        data.mkdir()
        (data / "station.toml").write_text(
            f'[station]\ntimezone = "{zone}"\n[shift]\nboundaries = "06:00,14:00,22:00"\n')
        ctx = open_station(data)
        made.append(ctx)
        return ctx

    made: list = []
    now = [utc(2026, 1, 1, 0)]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    yield make, now
    for ctx in made:
        ctx.close()


def _finished_unit(ctx, now: list[datetime], intake: datetime, done: datetime) -> str:
    now[0] = intake
    with ctx.store.session() as s:
        uid = units.create(s, ctx.actor, {"serial": f"S{intake:%d%H%M}{done:%H%M}"}, device_class="other").uid
    now[0] = done
    with ctx.store.session() as s:
        u = units.by_uid(s, uid)
        units.touch(u, stage="finished", finished_at=clock.iso())
        events.append(s, ctx.actor, "unit.finished", {}, u)
    return uid


def test_the_october_night_is_nine_hours_with_both_two_oclocks(station) -> None:
    make, now = station
    ctx = make()
    # 2026-10-25: 03:00 CEST becomes 02:00 CET. Night shift 22:00 CEST (20:00Z) to 06:00 CET (05:00Z).
    w = shifts.shift_at(ctx.config, utc(2026, 10, 25, 1, 30))
    assert (w.start, w.end) == (utc(2026, 10, 24, 20), utc(2026, 10, 25, 5)) and w.name == "Shift 3"
    assert w.hours == 9.0
    assert w.label() == "Shift 3 2026-10-24 22:00 CEST–06:00 CET"
    first = _finished_unit(ctx, now, utc(2026, 10, 24, 20), utc(2026, 10, 25, 0, 30))  # 02:30 CEST
    second = _finished_unit(ctx, now, utc(2026, 10, 24, 20), utc(2026, 10, 25, 1, 30))  # 02:30 CET
    _finished_unit(ctx, now, utc(2026, 10, 24, 21), utc(2026, 10, 25, 4, 20))  # 05:20 CET, the last hour
    _finished_unit(ctx, now, utc(2026, 10, 24, 21), utc(2026, 10, 24, 23, 0))  # 01:00 CEST exactly
    k = kpis.compute(ctx, w, now=utc(2026, 10, 26, 0))
    assert k.hours_elapsed == 9.0 and k.units_per_hour == pytest.approx(4 / 9)
    assert k.throughput == [("22:00", 0), ("23:00", 0), ("00:00", 0), ("01:00", 1), ("02:00 CEST", 1),
                            ("02:00 CET", 1), ("03:00", 0), ("04:00", 0), ("05:00", 1)]
    # The export tells the two 02:30s apart by their offsets, in CSV and in XLSX.
    log = shift_rows.shift_log(ctx, w)
    out = tabular.write_csv(log, Path(ctx.data.root) / "night.csv")
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    finished = {r["Unit"]: r["Finished"] for r in table if r["Unit"] in (first, second)}
    assert finished == {first: "2026-10-25 02:30:00+02:00", second: "2026-10-25 02:30:00+01:00"}
    out = tabular.write_xlsx(log, Path(ctx.data.root) / "night.xlsx")
    ws = openpyxl.load_workbook(out)["Shift log"]
    header = [c.value for c in ws[1]]
    got = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert (got[first]["Finished"], got[first]["Finished UTC offset"]) == (datetime(2026, 10, 25, 2, 30), "UTC+02:00")
    assert (got[second]["Finished"], got[second]["Finished UTC offset"]) == (datetime(2026, 10, 25, 2, 30),
                                                                             "UTC+01:00")


def test_the_march_night_is_seven_hours_and_has_no_two_oclock(station) -> None:
    make, now = station
    ctx = make()
    # 2026-03-29: 02:00 CET becomes 03:00 CEST. Night shift 22:00 CET (21:00Z) to 06:00 CEST (04:00Z).
    w = shifts.shift_at(ctx.config, utc(2026, 3, 29, 1, 30))
    assert (w.start, w.end, w.hours) == (utc(2026, 3, 28, 21), utc(2026, 3, 29, 4), 7.0)
    assert w.label() == "Shift 3 2026-03-28 22:00 CET–06:00 CEST"
    _finished_unit(ctx, now, utc(2026, 3, 28, 21), utc(2026, 3, 29, 1, 0))  # 03:00 CEST exactly
    k = kpis.compute(ctx, w, now=utc(2026, 3, 30, 0))
    assert k.hours_elapsed == 7.0
    assert k.throughput == [("22:00", 0), ("23:00", 0), ("00:00", 0), ("01:00", 0), ("03:00", 1), ("04:00", 0),
                            ("05:00", 0)]


def test_a_night_shift_across_midnight_and_a_mid_hour_window(station) -> None:
    make, now = station
    ctx = make()
    w = shifts.shift_at(ctx.config, utc(2026, 11, 23, 23, 59))  # 00:59 CET on the 24th
    assert (w.start, w.end, w.hours) == (utc(2026, 11, 23, 21), utc(2026, 11, 24, 5), 8.0)
    _finished_unit(ctx, now, utc(2026, 11, 23, 21), utc(2026, 11, 23, 23, 0))  # 00:00 exactly: the 00:00 hour
    _finished_unit(ctx, now, utc(2026, 11, 23, 21), utc(2026, 11, 24, 4, 59))  # 05:59
    k = kpis.compute(ctx, w, now=utc(2026, 11, 25, 0))
    assert [label for label, _n in k.throughput] == [f"{h:02d}:00" for h in (22, 23, 0, 1, 2, 3, 4, 5)]
    assert dict(k.throughput)["00:00"] == 1 and dict(k.throughput)["05:00"] == 1
    half = shifts.Window(datetime(2026, 11, 24, 6, 30, tzinfo=BERLIN), datetime(2026, 11, 24, 8, 0, tzinfo=BERLIN))
    assert [b[1] for b in kpis.hour_buckets(half)] == ["06:30", "07:00"]


def test_an_empty_zone_is_the_system_zone_with_its_rules(station, monkeypatch: pytest.MonkeyPatch) -> None:
    make, now = station
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        now[0] = utc(2026, 12, 7, 12)  # asked in December, about a July shift
        ctx = make("")
        assert shifts.zone(ctx.config) == BERLIN
        july = shifts.shift_at(ctx.config, utc(2026, 7, 14, 8))
        assert (july.start, july.end) == (utc(2026, 7, 14, 4), utc(2026, 7, 14, 12))  # 06:00-14:00 CEST
        assert july.label().endswith("CEST")
        early = _finished_unit(ctx, now, utc(2026, 7, 14, 4, 10), utc(2026, 7, 14, 4, 30))  # 06:30 CEST
        _finished_unit(ctx, now, utc(2026, 7, 14, 12, 0), utc(2026, 7, 14, 12, 30))  # 14:30 CEST: next shift
        assert [u.uid for u in kpis.units_behind(ctx, july, "finished")] == [early]
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_system_zone_is_read_from_localtime_when_tz_is_unset(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TZ", raising=False)
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/Berlin")
    assert shifts.system_zone(link) == BERLIN
    copy = tmp_path / "copied"
    copy.write_bytes(Path("/usr/share/zoneinfo/America/New_York").read_bytes())  # a copy, not a link
    zone = shifts.system_zone(copy)
    assert datetime(2026, 7, 1, tzinfo=zone).utcoffset() == timedelta(hours=-4)
    assert datetime(2026, 12, 1, tzinfo=zone).utcoffset() == timedelta(hours=-5)

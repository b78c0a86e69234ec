"""The fleet dashboard's figures: the hub's shift rows, narrowed to the columns the summary reads
(fleet_rows, one PostgreSQL statement), summed up by the same definitions as the shift report across
stations (reports.hub_pdf), then split per station and per site. One idea, one place: a figure on the
dashboard is the figure in the PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.reports.hub_pdf import HubSummary, summarize
from station.reports.hub_rows import HubShiftLog, log_of
from station.shifts import Window
from station.sync.hub import shift_export
from station.sync.hub.console import fleet_rows
from station.sync.hub.models import HubStation
from station.sync.hub.sites import in_site


@dataclass(frozen=True)
class Line:
    name: str
    units: int
    finished: int
    per_hour: float
    value: float


@dataclass(frozen=True)
class Fleet:
    window: Window
    summary: HubSummary
    stations: list[Line]
    sites: list[Line]

    @property
    def recovery_rate(self) -> float | None:
        k = self.summary
        return k.expected_value / k.estimated_value if k.estimated_value else None


def window(hours: float, now: datetime | None = None) -> Window:
    end = (now or datetime.now(UTC)).astimezone(UTC)
    return Window(end - timedelta(hours=hours), end, f"last {hours:g} h")


def rows_log(s: Session, w: Window, site: str | None, operator: str | None = None) -> HubShiftLog:
    rows = shift_export.shift_rows(s, w.start, w.end, operator, site)
    return log_of(rows, w, operator, "this hub")


def figures(s: Session, w: Window, site: str | None, now: datetime | None = None) -> Fleet:
    k = summarize(log_of(fleet_rows.dashboard_rows(s, w.start, w.end, site), w, None, "this hub"), now)
    hours = k.hours or 1.0
    site_of = dict(s.execute(select(HubStation.id, HubStation.site_id).where(in_site(HubStation.id, site))).all())
    stations = [Line(st, n, f, f / hours, v) for st, n, f, v in k.per_station]
    by_site: dict[str, list[Line]] = {}
    for line in stations:
        by_site.setdefault(site_of.get(line.name) or "(no site)", []).append(line)
    sites = [Line(name, sum(x.units for x in ls), sum(x.finished for x in ls), sum(x.per_hour for x in ls),
                  sum(x.value for x in ls)) for name, ls in sorted(by_site.items())]
    return Fleet(w, k, stations, sites)

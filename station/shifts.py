"""Shifts: boundaries from settings (local time), windows in UTC for queries.

`shift.boundaries = "06:00,14:00,22:00"` makes three shifts; the last runs past
midnight to the first. Exports state the zone they were made in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from station import clock
from station.config import Config
from station.errors import ConfigError


@dataclass(frozen=True)
class Window:
    start: datetime  # aware
    end: datetime  # aware, exclusive
    name: str = ""

    @property
    def start_iso(self) -> str:
        return clock.iso(self.start)

    @property
    def end_iso(self) -> str:
        return clock.iso(self.end)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def label(self) -> str:
        tz = self.start.tzname() or ""
        return f"{self.name + ' ' if self.name else ''}{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} {tz}".strip()


def zone(config: Config) -> tzinfo:
    name = config["station.timezone"]
    if not name:
        local = datetime.now().astimezone().tzinfo
        return local or UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"station.timezone: '{name}' is not a known time zone (e.g. Europe/Berlin).") from exc


def boundaries(config: Config) -> list[time]:
    raw = str(config["shift.boundaries"])
    try:
        times = sorted(time.fromisoformat(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"shift.boundaries: '{raw}' must be times like 06:00,14:00,22:00.") from exc
    if not times:
        raise ConfigError("shift.boundaries is empty; give at least one shift start, e.g. 06:00.")
    return times


def shift_at(config: Config, when: datetime | None = None) -> Window:
    """The shift that contains `when` (default: now)."""
    tz = zone(config)
    local = (when or clock.now()).astimezone(tz)
    starts = boundaries(config)
    candidates = []
    for day in (local.date() - timedelta(days=1), local.date()):
        for i, t in enumerate(starts):
            candidates.append((datetime.combine(day, t, tz), i))
    start, index = max((c for c in candidates if c[0] <= local), key=lambda c: c[0])
    nxt = starts[(index + 1) % len(starts)]
    end_day = start.date() if index + 1 < len(starts) else start.date() + timedelta(days=1)
    end = datetime.combine(end_day, nxt, tz)
    return Window(start, end, f"Shift {index + 1}")


def parse_when(config: Config, text: str) -> datetime:
    """'2026-11-23T06:00', '2026-11-23 06:00' or '2026-11-23' in the station's zone (or with an offset)."""
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(f"'{text}' is not a date/time; use e.g. 2026-11-23T06:00.") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(config))
    return dt


def day_window(config: Config, day: date) -> Window:
    tz = zone(config)
    start = datetime.combine(day, time(0), tz)
    return Window(start, start + timedelta(days=1), f"{day:%Y-%m-%d}")

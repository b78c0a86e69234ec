"""Shifts: boundaries from settings (local time), windows in UTC for queries.

`shift.boundaries = "06:00,14:00,22:00"` makes three shifts; the last runs past
midnight to the first. Exports state the zone they were made in.

Lengths and comparisons are taken in UTC: Python compares and subtracts two datetimes
of the same zone by their wall clocks, which makes the October night 8 hours, not 9.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from station import clock
from station.config import Config
from station.errors import ConfigError
from station.i18n import _


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
        """Elapsed real time: 7 h or 9 h across a DST change, as a clock on the wall would not say."""
        return (self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds() / 3600

    def elapsed_hours(self, now: datetime) -> float:
        """Real hours from the start to `now` or the end, whichever is first; the whole window
        when it has not begun."""
        until = min(now.astimezone(UTC), self.end.astimezone(UTC))
        return max(0.0, (until - self.start.astimezone(UTC)).total_seconds() / 3600) or self.hours

    def label(self) -> str:
        """'Shift 3 2026-10-24 22:00 CEST–06:00 CET': each end with the abbreviation in force then."""
        tz, end_tz = self.start.tzname() or "", self.end.tzname() or ""
        head = f"{self.name + ' ' if self.name else ''}{self.start:%Y-%m-%d %H:%M}"
        if tz == end_tz:
            return f"{head}–{self.end:%H:%M} {tz}".strip()
        return f"{head} {tz}–{self.end:%H:%M} {end_tz}".strip()


def zone(config: Config) -> tzinfo:
    name = config["station.timezone"]
    if not name:
        return system_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(_("station.timezone: '{name}' is not a known time zone (e.g. Europe/Berlin).").format(
                name=name)) from exc


def system_zone(localtime: Path = Path("/etc/localtime")) -> tzinfo:
    """The system's zone with its rules (not today's offset, which would put a July shift asked
    about in December on CET): TZ, else the zone /etc/localtime links to, else its rules read
    from the file, else /etc/timezone, else UTC."""
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    try:
        target = str(localtime.resolve())
        candidates.append(target.split("/zoneinfo/", 1)[1] if "/zoneinfo/" in target else "")
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    try:
        with localtime.open("rb") as f:
            return ZoneInfo.from_file(f, key="localtime")
    except (OSError, ValueError):
        pass
    try:
        return ZoneInfo(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except (OSError, ZoneInfoNotFoundError, ValueError):
        return UTC


def boundaries(config: Config) -> list[time]:
    raw = config.get_str("shift.boundaries")
    try:
        times = sorted(time.fromisoformat(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(_("shift.boundaries: '{raw}' must be times like 06:00,14:00,22:00.").format(raw=raw)) from exc
    if not times:
        raise ConfigError(_("shift.boundaries is empty; give at least one shift start, e.g. 06:00."))
    return times


def shift_at(config: Config, when: datetime | None = None) -> Window:
    """The shift that contains `when` (default: now)."""
    tz = zone(config)
    instant = (when or clock.now()).astimezone(UTC)
    local = instant.astimezone(tz)
    starts = boundaries(config)
    candidates = []
    for day in (local.date() - timedelta(days=1), local.date()):
        for i, t in enumerate(starts):
            candidates.append((datetime.combine(day, t, tz), i))
    start, index = max((c for c in candidates if c[0].astimezone(UTC) <= instant),
                       key=lambda c: c[0].astimezone(UTC))
    nxt = starts[(index + 1) % len(starts)]
    end_day = start.date() if index + 1 < len(starts) else start.date() + timedelta(days=1)
    end = datetime.combine(end_day, nxt, tz)
    return Window(start, end, _("Shift {number}").format(number=index + 1))


def parse_when(config: Config, text: str) -> datetime:
    """'2026-11-23T06:00', '2026-11-23 06:00' or '2026-11-23' in the station's zone (or with an offset)."""
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(_("'{text}' is not a date/time; use e.g. 2026-11-23T06:00.").format(text=text)) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(config))
    return dt

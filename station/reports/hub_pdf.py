"""The shift report across stations: a KPI summary computed from the hub's rows, then the units.

The station's own report draws on its database (wipe jobs, outcomes, work in progress);
across stations only the rows are at hand, so the summary keeps to what the rows can
say, over the units touched in the window: units in and finished, throughput per
technician, grade mix, wipe results, cycle time, routes and value. The layout helpers are
shift_pdf's, so both reports look alike.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from station import clock
from station.kpis import diversion, p90
from station.reports.hub_rows import HubShiftLog
from station.reports.shift_pdf import build, num, pct, people_and_failures, table, units_section


@dataclass
class HubSummary:
    hours: float
    units: int = 0
    units_in: int = 0
    units_finished: int = 0
    per_station: list[tuple[str, int, int, float]] = field(default_factory=list)  # station, units, finished, value
    per_technician: list[tuple[str, int, float]] = field(default_factory=list)  # name, finished, per hour
    grade_mix: dict[str, int] = field(default_factory=dict)
    wipes_passed: int = 0
    wipes_failed: int = 0
    wipes_stopped: int = 0
    wipe_failures: dict[str, int] = field(default_factory=dict)
    cycle_median_min: float | None = None
    cycle_p90_min: float | None = None
    routes: dict[str, int] = field(default_factory=dict)
    expected_value: float = 0.0
    estimated_value: float = 0.0

    @property
    def wipe_pass_rate(self) -> float | None:
        n = self.wipes_passed + self.wipes_failed
        return self.wipes_passed / n if n else None

    @property
    def diversion_rate(self) -> float | None:
        return diversion(self.routes)


def summarize(log: HubShiftLog, now: datetime | None = None) -> HubSummary:
    """Figures over the units of the log; 'finished' means finished inside the window (as on a station)."""
    w = log.window
    k = HubSummary(w.elapsed_hours(now or clock.now()), units=len(log.rows))
    # compared as UTC instants: two times of one zone compare by wall clock, fold ignored
    start, end = w.start.astimezone(UTC), w.end.astimezone(UTC)

    def inside(t: datetime | None) -> bool:
        return t is not None and start <= t.astimezone(UTC) < end

    finished = [r for r in log.rows if inside(r["finished_at"])]
    k.units_in = sum(1 for r in log.rows if inside(r["intake_at"]))
    k.units_finished = len(finished)
    grades = Counter(r["sale_grade"] or "ungraded" for r in finished)
    k.grade_mix = dict(grades.most_common())
    routes = Counter(r["route"] or "unrouted" for r in finished)
    k.routes = dict(routes.most_common())
    k.expected_value = sum(r["expected_value"] or 0.0 for r in finished if r["route"])
    k.estimated_value = sum(r.get("estimated_value") or 0.0 for r in finished if r["route"])
    cycles = sorted(r["cycle_minutes"] for r in finished if r["cycle_minutes"] is not None)
    if cycles:  # the same nearest-rank p90 as station.kpis
        k.cycle_median_min = statistics.median(cycles)
        k.cycle_p90_min = p90(cycles)
    techs = Counter(r.get("finished_by") or "(not signed in)" for r in finished)
    k.per_technician = [(name, n, n / k.hours) for name, n in techs.most_common()]
    failures: Counter[str] = Counter()
    for r in log.rows:  # as station.kpis: stopped runs (aborted, interrupted) are not in the pass rate
        if r["wipe_status"] == "sanitized":
            k.wipes_passed += 1
            continue
        if not r["wipe_status"]:
            continue
        if r["wipe_status"] in ("aborted", "interrupted"):
            k.wipes_stopped += 1
        else:
            k.wipes_failed += 1
        why = " ".join((r.get("wipe_reason") or "no reason recorded").split())[:200]
        failures[f"{r['wipe_status']}: {why}"] += 1
    k.wipe_failures = dict(failures.most_common())
    touched = Counter(r["station"] for r in log.rows)
    done: dict[str, list[float]] = {}  # grouped once, in row order: the same sums as station by station
    for r in finished:
        done.setdefault(r["station"], []).append(r["expected_value"] or 0.0)
    for station in log.stations:
        values = done.get(station, [])
        k.per_station.append((station, touched[station], len(values), sum(values)))
    return k


def summary_lines(k: HubSummary) -> list[tuple[str, str]]:
    return [
        ("Units touched / in / finished", f"{k.units} / {k.units_in} / {k.units_finished}"),
        ("Units per hour (all stations)", f"{k.units_finished / k.hours if k.hours else 0.0:.1f}"),
        ("Wipe pass rate", f"{pct(k.wipe_pass_rate)} ({k.wipes_passed} sanitized, {k.wipes_failed} failed"
                           f"{f'; {k.wipes_stopped} stopped, not counted' if k.wipes_stopped else ''})"),
        ("Cycle time median / p90", f"{num(k.cycle_median_min)} / {num(k.cycle_p90_min)} min"),
        ("Expected recovery value", f"{k.expected_value:,.2f}"),
        ("Recovery rate", pct(k.expected_value / k.estimated_value if k.estimated_value else None)),
        ("Waste diversion", pct(k.diversion_rate)),
        ("Grade mix", ", ".join(f"{g}: {n}" for g, n in k.grade_mix.items()) or "–"),
        ("Routes", ", ".join(f"{r}: {n}" for r, n in k.routes.items()) or "–"),
    ]


def write_pdf(log: HubShiftLog, out: Path, now: datetime | None = None) -> Path:
    k = summarize(log, now)
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        Paragraph("Shift report — all stations", styles["Title"]),
        Paragraph(escape(f"{log.window.label()} (times in {log.zone})"
                         f"{' — operator ' + log.operator if log.operator else ''} — from the hub {log.hub_url}"),
                  styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph("Summary (units touched in the window)", styles["Heading2"]),
        table([[a, b] for a, b in summary_lines(k)], [70 * mm, 190 * mm], header=False),
        Paragraph("Stations", styles["Heading2"]),
        table([["Station", "Units", "Finished", "Expected value"]] +
               [[s, str(n), str(f), f"{v:,.2f}"] for s, n, f, v in k.per_station],
               [60 * mm, 30 * mm, 30 * mm, 40 * mm]),
    ]
    story += people_and_failures(k.per_technician, k.wipe_failures)
    story += units_section(log.rows, with_station=True)
    return build(out, story, f"Shift report {log.window.label()}", "all stations")

"""One row per unit touched in a time window: what a shift log holds.

Built with a handful of set-based queries (not one query per unit), so 100,000 events
export in well under a second.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import clock
from station.context import StationContext
from station.models import Event, Photo, PrintJob, Unit, UnitIdentifier, WipeJob
from station.shifts import Window

# (key, header, type) — the type drives XLSX cell types and number formats.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("uid", "Unit", "text"), ("identifiers", "Identifiers", "text"), ("serial", "Serial", "text"),
    ("imei", "IMEI", "text"), ("device_class", "Class", "text"), ("make", "Make", "text"),
    ("model", "Model", "text"), ("return_category", "Return category", "text"),
    ("return_reason", "Reason for return", "text"), ("source", "Source/customer", "text"),
    ("lot_ref", "Lot/PO", "text"), ("condition_notes", "Condition notes", "text"),
    ("usage_history", "Usage history", "text"), ("cosmetic_grade", "Cosmetic", "text"),
    ("functional_code", "Functional", "text"), ("sale_grade", "Sale grade", "text"),
    ("grade_matrix", "Grading matrix", "text"), ("photos", "Photos", "int"),
    ("wipe_method", "Wipe method", "text"), ("wipe_status", "Wipe result", "text"),
    ("certificate_id", "Certificate", "text"), ("route", "Route", "text"),
    ("expected_value", "Expected value", "money"), ("label_printed", "Label printed", "bool"),
    ("operators", "Operators", "text"), ("intake_at", "Intake", "time"), ("finished_at", "Finished", "time"),
    ("cycle_minutes", "Cycle time (min)", "float"),
)


@dataclass(frozen=True)
class ShiftLog:
    window: Window
    zone: str
    operator: str | None
    rows: list[dict[str, Any]]


def _local(text: str | None, tz: tzinfo) -> datetime | None:
    return clock.parse(text).astimezone(tz).replace(tzinfo=None) if text else None


def shift_log(ctx: StationContext, w: Window, operator: str | None = None) -> ShiftLog:
    tz = w.start.tzinfo
    assert tz is not None
    touched = select(Event.unit_id).where(Event.created_at >= w.start_iso, Event.created_at < w.end_iso,
                                          Event.unit_id.is_not(None))
    if operator:
        touched = touched.where(Event.operator_name == operator)
    touched = touched.distinct()
    with ctx.store.reader() as s:
        units = s.execute(select(Unit.__table__).where(Unit.id.in_(touched)).order_by(Unit.id)).mappings().all()
        extra = _aggregates(s, touched)
    rows = []
    for u in units:
        uid = u["id"]
        intake, finished = u["created_at"], u["finished_at"]
        rows.append({
            **{k: u[k] for k in ("uid", "serial", "imei", "device_class", "make", "model", "return_category",
                                 "return_reason", "source", "lot_ref", "condition_notes", "usage_history",
                                 "cosmetic_grade", "functional_code", "sale_grade", "grade_matrix", "wipe_status",
                                 "certificate_id", "route", "expected_value")},
            "identifiers": "; ".join(extra["ids"].get(uid, [])),
            "photos": extra["photos"].get(uid, 0),
            "wipe_method": extra["wipe"].get(uid),
            "label_printed": uid in extra["printed"],
            "operators": ", ".join(sorted(extra["operators"].get(uid, set()))),
            "intake_at": _local(intake, tz),
            "finished_at": _local(finished, tz),
            "cycle_minutes": round((clock.parse(finished) - clock.parse(intake)).total_seconds() / 60, 1)
            if finished else None,
        })
    return ShiftLog(w, str(tz), operator, rows)


def _aggregates(s: Session, touched: Any) -> dict[str, Any]:
    ids: dict[int, list[str]] = defaultdict(list)
    for unit_id, kind, value in s.execute(select(UnitIdentifier.unit_id, UnitIdentifier.kind, UnitIdentifier.value)
                                          .where(UnitIdentifier.unit_id.in_(touched))):
        ids[unit_id].append(f"{kind}:{value}")
    photos: dict[int, int] = defaultdict(int)
    for (unit_id,) in s.execute(select(Photo.unit_id).where(Photo.unit_id.in_(touched))):
        photos[unit_id] += 1
    wipe: dict[int, str] = {}
    for job_unit, method in s.execute(select(WipeJob.unit_id, WipeJob.method).where(WipeJob.unit_id.in_(touched))
                                      .order_by(WipeJob.started_at)):
        if job_unit is not None:
            wipe[job_unit] = method  # the latest job wins
    printed: set[int] = set(s.execute(select(PrintJob.unit_id).where(PrintJob.unit_id.in_(touched),
                                                                       PrintJob.status == "printed")).scalars())
    operators: dict[int, set[str]] = defaultdict(set)
    for ev_unit, name in s.execute(select(Event.unit_id, Event.operator_name).where(
            Event.unit_id.in_(touched), Event.operator_name.is_not(None)).distinct()):
        if ev_unit is not None and name:
            operators[ev_unit].add(name)
    return {"ids": ids, "photos": photos, "wipe": wipe, "printed": printed, "operators": operators}

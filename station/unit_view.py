"""A unit as the bench shows it: its fields, every identifier, and its recent history.

A plain snapshot read inside the caller's session, so a scan can hand the GUI
everything it shows in the same transaction that found or created the unit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from station.history_words import sentence
from station.models import Unit

HISTORY_LIMIT = 50
_FIELDS = ("serial", "return_category", "return_reason", "source", "lot_ref", "condition_notes", "usage_history",
           "capacity")


@dataclass(frozen=True)
class HistoryLine:
    at: str
    kind: str
    operator: str | None
    detail: str
    sentence: str = ""  # "Graded B by Ana at 10:42": what the history shows


@dataclass(frozen=True)
class UnitView:
    uid: str
    device_class: str
    stage: str
    make: str | None
    model: str | None
    imei: str | None
    fields: dict[str, str | None]  # the intake fields, see workflow.INTAKE_FIELDS
    identifiers: list[tuple[str, str]]
    history: list[HistoryLine]  # oldest first, the last HISTORY_LIMIT events
    events_total: int
    created_at: str
    finished_at: str | None
    sale_grade: str | None
    wipe_status: str | None


def _detail(kind: str, payload: str, data: object) -> str:
    """The event's facts in short (exports, logs); `sentence` is what people read."""
    if not isinstance(data, dict):
        return payload[:120]
    if kind == "unit.created":
        ids = ", ".join(f"{k} {v}" for k, v in (data.get("identifiers") or {}).items())
        return f"created from {ids}"
    if kind == "unit.scanned":
        ident = data.get("identifier") or ["", ""]
        return f"scanned {ident[0]} {ident[1]}" + (" (already finished)" if data.get("finished") else "")
    if kind == "unit.updated":
        return "changed " + ", ".join(sorted((data.get("changed") or {}).keys()))
    if kind == "unit.finished" and data.get("override_reason"):
        return f"finished by override: {data['override_reason']}"
    text = ", ".join(f"{k}={v}" for k, v in data.items() if v not in (None, "", [], {}))
    return text[:160]


def _line(at: str, kind: str, operator: str | None, payload: str) -> HistoryLine:
    try:
        data = json.loads(payload)
    except ValueError:
        data = None
    return HistoryLine(at, kind, operator, _detail(kind, payload, data),
                       sentence(kind, data if isinstance(data, dict) else {}, operator, at))


def _fields(unit: Unit) -> dict[str, str | None]:
    fields = {k: getattr(unit, k) for k in _FIELDS}
    fields["return_initiated_on"] = unit.return_initiated_on
    fields["shipping_cost"] = f"{unit.shipping_cost:.2f}" if unit.shipping_cost is not None else None
    return fields


# Plain SQL on the session's own connection: this runs on every scan, and the ORM's statement
# building costs ten times the two indexed lookups themselves (1,000,000-unit benchmark).
_IDENTIFIERS = "SELECT kind, value FROM unit_identifiers WHERE unit_id = ? ORDER BY id"
_HISTORY = ("SELECT created_at, kind, operator_name, payload FROM events WHERE unit_id = ? "
            "ORDER BY seq DESC LIMIT ?")
_COUNT = "SELECT count(*) FROM events WHERE unit_id = ?"


def unit_view(s: Session, unit: Unit, history_limit: int = HISTORY_LIMIT) -> UnitView:
    conn = s.connection()
    ids = conn.exec_driver_sql(_IDENTIFIERS, (unit.id,)).all()
    rows = conn.exec_driver_sql(_HISTORY, (unit.id, history_limit)).all()
    total = len(rows)
    if total == history_limit:
        total = int(conn.exec_driver_sql(_COUNT, (unit.id,)).scalar_one())
    history = [_line(*r) for r in reversed(rows)]
    return UnitView(
        uid=unit.uid, device_class=unit.device_class, stage=unit.stage, make=unit.make, model=unit.model,
        imei=unit.imei, fields=_fields(unit), identifiers=[(k, v) for k, v in ids],
        history=history, events_total=total, created_at=unit.created_at, finished_at=unit.finished_at,
        sale_grade=unit.sale_grade, wipe_status=unit.wipe_status,
    )

"""The values a label can show, read from the Unit row and its latest events."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import clock
from station.disposition_gates import facts_for, gate_overridden, gates
from station.models import Event, Lot, LotUnit, Operator, Unit

FIELDS: dict[str, str] = {
    "uid": "the unit id (what the unit-id barcode carries)",
    "grade": "the sale grade, else the cosmetic grade; HOLD when a route gate holds the unit",
    "hold": "why the unit is held (LOCKED, BER, NO POWER, SWOLLEN BATTERY, LOCKS NOT CHECKED), else empty",
    "cosmetic": "the cosmetic grade",
    "functional": "the functional code",
    "ident": "IMEI when there is one, else the serial",
    "imei": "IMEI",
    "serial": "serial number",
    "model": "make and model",
    "wipe": "wipe status in words (WIPED, WIPE FAILED, NOT WIPED...)",
    "certificate": "wipe certificate id",
    "route": "route / disposition; HOLD and why when a route gate holds the unit",
    "lot": "lot, pallet or bin",
    "date": "date finished (else today), station time zone",
    "operator": "who last worked on the unit",
    "station": "this bench's name",
}

WIPE_WORDS = {"sanitized": "WIPED", "failed": "WIPE FAILED", "interrupted": "WIPE INTERRUPTED",
              "aborted": "WIPE STOPPED", "n/a": "NO DATA"}
EMPTY = "-"


def line(template: str, values: dict[str, str]) -> str:
    """A text line of a layout filled in: a field with no value is left out with its spacing, so a line
    reads "NOT WIPED", not "NOT WIPED -", and a line with no value at all shows one "-", not "-  -"."""
    filled = template.format(**{k: "" if v == EMPTY else v for k, v in values.items()})
    return " ".join(filled.split()) if filled.strip() else EMPTY


def _zone(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _local_date(iso: str | None, tz_name: str) -> str:
    moment = clock.parse(iso) if iso else clock.now()
    zone = _zone(tz_name)
    local: datetime = moment.astimezone(zone) if zone else moment.astimezone()
    return local.strftime("%Y-%m-%d")


def _latest_payload_value(s: Session, unit: Unit, key: str) -> str | None:
    """The newest event of this unit whose payload carries `key` (e.g. route, certificate_id)."""
    rows = s.execute(
        select(Event.payload).where(Event.unit_id == unit.id).order_by(Event.seq.desc()).limit(50)
    ).scalars()
    for payload in rows:
        value = json.loads(payload).get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _operator(s: Session, unit: Unit) -> str | None:
    name = s.execute(
        select(Event.operator_name)
        .where(Event.unit_id == unit.id, Event.operator_name.is_not(None))
        .order_by(Event.seq.desc()).limit(1)
    ).scalar()
    if name:
        return str(name)
    if unit.operator_id is not None:
        op = s.get(Operator, unit.operator_id)
        return op.name if op else None
    return None


def _lot(s: Session, unit: Unit) -> str | None:
    code = s.execute(
        select(Lot.code).join(LotUnit, LotUnit.lot_id == Lot.id)
        .where(LotUnit.unit_id == unit.id).order_by(LotUnit.added_at.desc()).limit(1)
    ).scalar()
    return str(code) if code else unit.lot_ref


def hold_text(s: Session, unit: Unit) -> str | None:
    """Why a gate holds this graded unit (e.g. 'LOCKED / NO POWER'), or None; an override shows as such."""
    if unit.sale_grade is None:
        return None
    held = gates(facts_for(s, unit))
    if not held:
        return None
    words = " / ".join(g.short for g in held)
    return f"OVERRIDE: {words}" if gate_overridden(s, unit) else words


def _route_words(route: str | None) -> str | None:
    """A route as people say it ("Resell (retail / eCommerce)"), never its id (resell_retail)."""
    if not route:
        return None
    from station.disposition_rules import load

    known = load().routes.get(route)
    return known.label if known is not None else route.replace("_", " ")


def gather(s: Session, unit: Unit, *, station: str, timezone: str = "") -> dict[str, str]:
    """Every field in FIELDS as display text; missing values are '-'."""
    model = " ".join(p for p in (unit.make, unit.model) if p) or None
    hold = hold_text(s, unit)
    # A held unit never shows a sale grade a buyer could read as "sellable": the grade box says HOLD.
    held = hold is not None and not hold.startswith("OVERRIDE")
    route = _route_words(unit.route or _latest_payload_value(s, unit, "route"))
    values: dict[str, str | None] = {
        "uid": unit.uid,
        "grade": "HOLD" if held else unit.sale_grade or unit.cosmetic_grade,
        "hold": hold,
        "cosmetic": unit.cosmetic_grade,
        "functional": unit.functional_code,
        "ident": unit.imei or unit.serial,
        "imei": unit.imei,
        "serial": unit.serial,
        "model": model,
        "wipe": WIPE_WORDS.get(unit.wipe_status or "", "NOT WIPED"),
        "certificate": unit.certificate_id or _latest_payload_value(s, unit, "certificate_id"),
        "route": f"HOLD {hold}" + (f" ({route})" if route else "") if held else (
            f"{route} ({hold})" if hold and route else route),
        "lot": _lot(s, unit),
        "date": _local_date(unit.finished_at, timezone),
        "operator": _operator(s, unit),
        "station": station,
    }
    return {k: (v if v else EMPTY) for k, v in values.items()}

"""The values a label can show, read from the Unit row and its latest events."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import clock, i18n
from station.disposition_gates import facts_for, gate_overridden, gates
from station.i18n import N_
from station.models import Event, Lot, LotUnit, Operator, Unit

FIELDS: dict[str, str] = {
    "uid": N_("the unit id (what the unit-id barcode carries)"),
    "grade": N_("the sale grade, else the cosmetic grade; HOLD when a route gate holds the unit"),
    "hold": N_("why the unit is held (LOCKED, BER, NO POWER, SWOLLEN BATTERY, LOCKS NOT CHECKED), else empty"),
    "cosmetic": N_("the cosmetic grade"),
    "functional": N_("the functional code"),
    "ident": N_("IMEI when there is one, else the serial"),
    "imei": N_("IMEI"),
    "serial": N_("serial number"),
    "model": N_("make and model"),
    "wipe": N_("wipe status in words (WIPED, WIPE FAILED, NOT WIPED...)"),
    "certificate": N_("wipe certificate id"),
    "route": N_("route / disposition; HOLD and why when a route gate holds the unit"),
    "lot": N_("lot, pallet or bin"),
    "date": N_("date finished (else today), station time zone"),
    "operator": N_("who last worked on the unit"),
    "station": N_("this bench's name"),
}

# What the label prints, in the site's language (site.language): `gather(language=...)` translates these.
WIPE_WORDS = {"sanitized": N_("WIPED"), "failed": N_("WIPE FAILED"), "interrupted": N_("WIPE INTERRUPTED"),
              "aborted": N_("WIPE STOPPED"), "n/a": N_("NO DATA")}
NOT_WIPED, HOLD = N_("NOT WIPED"), N_("HOLD")
# The words of the shipped layouts (layouts/*.toml), which xgettext cannot read; a site's own layout
# keeps its words as written.
LAYOUT_WORDS = (N_("Model: {model}"), N_("IMEI/Serial: {ident}"), N_("Wipe: {wipe}"),
                N_("Certificate: {certificate}"), N_("Route: {route}"), N_("Lot: {lot}"), N_("Operator: {operator}"))

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


def _hold(s: Session, unit: Unit, words: Callable[[str], str]) -> tuple[str, bool] | None:
    """Why a gate holds this graded unit (e.g. 'LOCKED / NO POWER') and whether a supervisor overrode it."""
    if unit.sale_grade is None:
        return None
    held = gates(facts_for(s, unit))
    if not held:
        return None
    return " / ".join(words(g.short) for g in held), gate_overridden(s, unit)


def hold_text(s: Session, unit: Unit, language: str = "en") -> str | None:
    """Why a gate holds this graded unit (e.g. 'LOCKED / NO POWER'), or None; an override shows as such."""
    words = i18n.catalogue(language).gettext
    hold = _hold(s, unit, words)
    if hold is None:
        return None
    return words(N_("OVERRIDE: {why}")).format(why=hold[0]) if hold[1] else hold[0]


def _route_words(route: str | None) -> str | None:
    """A route as people say it ("Resell (retail / eCommerce)"), never its id (resell_retail)."""
    if not route:
        return None
    from station.disposition_rules import load

    known = load().routes.get(route)
    return known.label if known is not None else route.replace("_", " ")


def gather(s: Session, unit: Unit, *, station: str, timezone: str = "", language: str = "en") -> dict[str, str]:
    """Every field in FIELDS as display text in `language` (the site's); missing values are '-'."""
    words = i18n.catalogue(language).gettext
    model = " ".join(p for p in (unit.make, unit.model) if p) or None
    hold = hold_text(s, unit, language)
    # A held unit never shows a sale grade a buyer could read as "sellable": the grade box says HOLD.
    held = hold is not None and not gate_overridden(s, unit)
    route = _route_words(unit.route or _latest_payload_value(s, unit, "route"))
    values: dict[str, str | None] = {
        "uid": unit.uid,
        "grade": words(HOLD) if held else unit.sale_grade or unit.cosmetic_grade,
        "hold": hold,
        "cosmetic": unit.cosmetic_grade,
        "functional": unit.functional_code,
        "ident": unit.imei or unit.serial,
        "imei": unit.imei,
        "serial": unit.serial,
        "model": model,
        "wipe": words(WIPE_WORDS.get(unit.wipe_status or "", NOT_WIPED)),
        "certificate": unit.certificate_id or _latest_payload_value(s, unit, "certificate_id"),
        "route": words(N_("HOLD {why}")).format(why=hold) + (f" ({route})" if route else "") if held else (
            f"{route} ({hold})" if hold and route else route),
        "lot": _lot(s, unit),
        "date": _local_date(unit.finished_at, timezone),
        "operator": _operator(s, unit),
        "station": station,
    }
    return {k: (v if v else EMPTY) for k, v in values.items()}

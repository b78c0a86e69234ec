"""The shift log across stations: one row per (station, unit) touched in a window.

The hub holds no unit table, only every station's events, so each column is rebuilt from
the event payloads the station wrote (the same facts the station's own `units` row was
updated from): the first `unit.created`, the newest grade, route, wipe start and wipe end,
intake fields merged from `unit.updated` changes in chain order, and so on. It is one
statement: the touched units are found through `ix_events_at`, their events through
`ix_events_station_unit`, and every column is an aggregate over those events, so the cost
grows with the events of the touched units, never with one query per unit.

Times are the station's clock (`at`), like every shift figure on the hub.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from station import clock, unit_media
from station import wipe_record as wr

# Intake fields a technician edits: a `unit.updated` event carries {"changed": {field: [old, new]}}.
INTAKE_FIELDS = ("return_category", "return_reason", "source", "lot_ref", "condition_notes", "usage_history")

# A unit of several media (a phone and its card): the station writes the status of them all after
# each job's end, and that, not the newest job's own end, is the unit's.
SETTLED_COLUMN = (f"(array_agg(payload ORDER BY seq DESC) FILTER (WHERE kind = '{unit_media.SETTLED}'))[1]"
                  " AS wipe_settled")

# The wipe payloads are read by station.wipe_record's names: the ledger writes them by the same ones.
_WIPE_COLUMNS = f"""(array_agg(payload ->> '{wr.key(wr.WipeStarted, "method")}' ORDER BY seq DESC)
            FILTER (WHERE kind = '{wr.STARTED}'))[1] AS wipe_method,
        (array_agg(payload ORDER BY seq DESC)
            FILTER (WHERE kind IN ('{wr.FINISHED}', '{wr.INTERRUPTED}', 'certificate.issued')))[1] AS wipe_end,
        (array_agg(payload ->> '{wr.key(wr.WipeEnded, "reason")}' ORDER BY seq DESC)
            FILTER (WHERE kind IN ('{wr.FINISHED}', '{wr.INTERRUPTED}')))[1] AS wipe_reason,
        {SETTLED_COLUMN},"""

# A wipe's end and its certificate.issued event both carry these two.
_STATUS, _SANITIZED = wr.key(wr.WipeEnded, "status"), wr.key(wr.WipeEnded, "sanitized")

# The units of the log: every (station, unit) with an event in [start, end), by the operator, at the site.
TOUCHED = """touched AS (
    SELECT DISTINCT station_id, unit_uid FROM events
    WHERE at >= :start AND at < :end AND unit_uid IS NOT NULL
      AND (CAST(:operator AS text) IS NULL OR lower(operator_name) = lower(CAST(:operator AS text)))
      AND (CAST(:site AS text) IS NULL OR station_id IN (SELECT id FROM stations WHERE site_id = CAST(:site AS text)))
)"""
# The newest unit.finished or unit.reopened decides whether (and when, and by whom) a unit is finished.
FINISH_COLUMNS = """(array_agg(kind ORDER BY seq DESC)
            FILTER (WHERE kind IN ('unit.finished', 'unit.reopened')))[1] AS fin_kind,
        (array_agg(at ORDER BY seq DESC) FILTER (WHERE kind IN ('unit.finished', 'unit.reopened')))[1] AS fin_at,
        (array_agg(operator_name ORDER BY seq DESC)
            FILTER (WHERE kind IN ('unit.finished', 'unit.reopened')))[1] AS fin_by,"""
# The log's order: by station, then intake.
ORDER = "ORDER BY a.station_id, coalesce(a.created_at, a.first_at), a.unit_uid"

_SQL = """
WITH {touched}, ev AS MATERIALIZED (
    SELECT e.station_id, e.unit_uid, e.seq, e.kind, e.at, e.operator_name, e.payload
    FROM events e JOIN touched t ON t.station_id = e.station_id AND t.unit_uid = e.unit_uid
), agg AS (
    -- (array_agg(... ORDER BY seq DESC) FILTER (...))[1] is "the newest event of that kind"
    SELECT station_id, unit_uid,
        min(at) AS first_at,
        min(at) FILTER (WHERE kind = 'unit.created') AS created_at,
        (array_agg(payload ORDER BY seq) FILTER (WHERE kind = 'unit.created'))[1] AS created,
        (array_agg(payload ORDER BY seq DESC) FILTER (WHERE kind = 'phone.identified'))[1] AS phone,
        (array_agg(payload ORDER BY seq DESC)
            FILTER (WHERE kind IN ('grade.recorded', 'grade.overridden')))[1] AS grade,
        (array_agg(payload ORDER BY seq DESC) FILTER (WHERE kind = 'route.assigned'))[1] AS route,
        {wipe_columns}
        (array_agg(payload ->> 'certificate_id' ORDER BY seq DESC)
            FILTER (WHERE kind = 'certificate.issued'))[1] AS certificate_id,
        count(*) FILTER (WHERE kind = 'photo.captured') AS photos,
        bool_or(kind = 'label.printed') AS label_printed,
        -- code-point order, as Python's sorted() on a station; one name a line, as a station's log
        string_agg(DISTINCT operator_name::text COLLATE "C", E'\n'
                   ORDER BY operator_name::text COLLATE "C") AS operators,
        {finish_columns}
        -- the value loop: what the unit's finish priced, and its first closing outcome's days to value
        (array_agg(payload -> 'costs' ORDER BY seq DESC) FILTER (WHERE kind = 'unit.finished'))[1] AS fin_costs,
        (array_agg(payload -> 'days_to_value' ORDER BY seq) FILTER (WHERE kind = 'outcome.recorded'
            AND payload ->> 'outcome' IN ('sold', 'completed')))[1] AS value_days,
        (array_agg(payload -> 'amount' ORDER BY seq DESC) FILTER (WHERE kind = 'outcome.recorded'
            AND payload ->> 'outcome' = 'sold' AND jsonb_typeof(payload -> 'amount') = 'number'))[1] AS realised
    FROM ev GROUP BY station_id, unit_uid
), changes AS (
    -- jsonb keeps the last value of a repeated key, and ORDER BY seq makes the newest change last
    SELECT ev.station_id, ev.unit_uid, jsonb_object_agg(c.key, c.value -> 1 ORDER BY ev.seq) AS changed
    FROM ev CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(ev.payload -> 'changed') = 'object'
                                               THEN ev.payload -> 'changed' ELSE '{}'::jsonb END) c
    WHERE ev.kind = 'unit.updated' AND jsonb_typeof(c.value) = 'array'
    GROUP BY ev.station_id, ev.unit_uid
), ids AS (
    -- what the station adds to a unit's identifiers: its intake scan, a phone's own serial and
    -- IMEI, and a serial typed at intake (old ones stay: the unit still answers to them)
    SELECT station_id, unit_uid, string_agg(DISTINCT k || ':' || v, '; ' ORDER BY k || ':' || v) AS identifiers
    FROM (
        SELECT ev.station_id, ev.unit_uid, i.key AS k, i.value AS v
        FROM ev CROSS JOIN LATERAL jsonb_each_text(CASE WHEN jsonb_typeof(ev.payload -> 'identifiers') = 'object'
                                                         THEN ev.payload -> 'identifiers' ELSE '{}'::jsonb END) i
        WHERE ev.kind = 'unit.created'
        UNION ALL
        SELECT ev.station_id, ev.unit_uid, k.key, ev.payload ->> k.key
        FROM ev CROSS JOIN (VALUES ('imei'), ('serial')) AS k(key) WHERE ev.kind = 'phone.identified'
        UNION ALL
        SELECT station_id, unit_uid, 'serial', payload -> 'changed' -> 'serial' ->> 1
        FROM ev WHERE kind = 'unit.updated'
    ) found
    WHERE v IS NOT NULL AND v <> ''
    GROUP BY station_id, unit_uid
)
SELECT a.station_id, a.unit_uid, a.first_at, a.created_at, a.wipe_method, a.wipe_reason, a.certificate_id,
    a.photos, a.label_printed, a.operators, a.fin_kind, a.fin_at, a.fin_by, ids.identifiers,
    a.fin_costs::text AS fin_costs, a.value_days::text AS value_days, a.realised::text AS realised,
    -- the payloads as one JSON text per row: one parse in Python instead of one per payload
    jsonb_build_array(a.created, a.phone, a.grade, a.route, a.wipe_end, ch.changed, a.wipe_settled)::text AS docs
FROM agg a
LEFT JOIN changes ch ON ch.station_id = a.station_id AND ch.unit_uid = a.unit_uid
LEFT JOIN ids ON ids.station_id = a.station_id AND ids.unit_uid = a.unit_uid
{order}
""".replace("{wipe_columns}", _WIPE_COLUMNS).replace("{touched}", TOUCHED).replace(
    "{finish_columns}", FINISH_COLUMNS).replace("{order}", ORDER)


def text_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def number_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def wipe_status(end: dict[str, Any] | None) -> str | None:
    """As the station sets units.wipe_status from the newest wipe end or certificate."""
    if not end:
        return None
    return wr.unit_status(str(end.get(_STATUS)), end.get(_SANITIZED) is True)


def unit_wipe(end: dict[str, Any] | None, reason: str | None,
              settled: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """The unit's wipe status and reason: its media's settled status when it has several media."""
    if isinstance(settled, dict) and settled.get("status"):
        return str(settled["status"]), text_or_none(settled.get("reason"))
    return wipe_status(end), text_or_none(reason)


def cycle_minutes(intake: datetime, finished: datetime | None) -> float | None:
    return round((finished - intake).total_seconds() / 60, 1) if finished else None


def _value(changed: dict[str, Any], fin_costs: str | None, value_days: str | None) -> dict[str, Any]:
    """As the station's shift log: the return's initiation and shipping from the intake changes, the
    costs its finish priced (station/labour.py) and the days to value its closing outcome recorded."""
    shipping = number_or_none(changed.get("shipping_cost"))
    costs = json.loads(fin_costs) if fin_costs else None
    out: dict[str, Any] = {"return_initiated_on": text_or_none(changed.get("return_initiated_on")),
                           "shipping_cost": shipping, "labour_minutes": None, "unit_cost": None,
                           "value_days": number_or_none(json.loads(value_days)) if value_days else None}
    if isinstance(costs, dict):
        given = costs.get("labour_minutes")
        minutes: dict[str, Any] = given if isinstance(given, dict) else {}
        out["labour_minutes"] = round(sum(number_or_none(m) or 0.0 for m in minutes.values()), 1)
        out["unit_cost"] = round((shipping or 0.0) + sum(number_or_none(costs.get(k)) or 0.0
                                                         for k in ("labour", "handling", "inspection")), 2)
    return out


def _row(r: Any) -> dict[str, Any]:
    docs: list[Any] = json.loads(r.docs)
    created: dict[str, Any] = docs[0] or {}
    phone: dict[str, Any] = docs[1] or {}
    grade: dict[str, Any] = docs[2] or {}
    route: dict[str, Any] = docs[3] or {}
    wipe_end: dict[str, Any] | None = docs[4]
    changed: dict[str, Any] = docs[5] or {}
    status, reason = unit_wipe(wipe_end, r.wipe_reason, docs[6])
    idents: dict[str, Any] = created["identifiers"] if isinstance(created.get("identifiers"), dict) else {}
    device_class = created.get("device_class") or "other"
    if device_class == "other" and phone.get("device_class"):  # a phone's own report names its class
        device_class = phone["device_class"]
    intake: datetime = r.created_at or r.first_at
    finished: datetime | None = r.fin_at if r.fin_kind == "unit.finished" else None
    matrix = f"{grade['matrix']}@{grade['version']}" if grade.get("matrix") and grade.get("version") else None
    return {
        "station": r.station_id,
        "uid": r.unit_uid,
        "identifiers": r.identifiers or "",
        "serial": text_or_none(changed["serial"] if "serial" in changed else
                        idents.get("serial") or created.get("serial") or phone.get("serial")),
        "imei": text_or_none(idents.get("imei") or created.get("imei") or phone.get("imei")),
        "device_class": device_class,
        "make": text_or_none(created.get("make") or phone.get("manufacturer")),
        "model": text_or_none(created.get("model") or phone.get("model")),
        **{k: text_or_none(changed[k] if k in changed else created.get(k)) for k in INTAKE_FIELDS},
        "cosmetic_grade": text_or_none(grade.get("cosmetic")),
        "functional_code": text_or_none(grade.get("functional")),
        "sale_grade": text_or_none(grade.get("sale_grade")),
        "grade_matrix": matrix,
        "photos": int(r.photos),
        "wipe_method": text_or_none(r.wipe_method),
        "wipe_status": status,
        "certificate_id": text_or_none(r.certificate_id),
        "route": text_or_none(route.get("route")),
        "vendor": text_or_none(route["vendor"].get("name")) if isinstance(route.get("vendor"), dict) else None,
        "expected_value": number_or_none(route.get("expected_value")),
        "label_printed": bool(r.label_printed),
        "operators": r.operators or "",
        "intake_at": clock.iso(intake),
        "finished_at": clock.iso(finished) if finished else None,
        "cycle_minutes": cycle_minutes(intake, finished),
        **_value(changed, r.fin_costs, r.value_days),
        "realised_price": number_or_none(json.loads(r.realised)) if r.realised else None,
        # not columns of the log, but what the summary needs: recovery rate, failures, per technician
        "estimated_value": number_or_none(route.get("estimated_value")),
        "wipe_reason": reason if status not in (None, "sanitized") else None,
        "finished_by": r.fin_by if finished else None,
    }


def shift_rows(s: Session, start: datetime, end: datetime, operator: str | None = None,
               site: str | None = None) -> list[dict[str, Any]]:
    """One row per (station, unit) with an event in [start, end) (by `operator`, at `site`, when given)."""
    # The per-unit aggregation sorts whole payloads; PostgreSQL's default 4 MB of sort memory makes a
    # 100,000-event day spill to disk. Raised for this transaction only.
    s.execute(text("SET LOCAL work_mem = '64MB'"))
    result = s.execute(text(_SQL), {"start": start, "end": end, "operator": operator or None,
                                      "site": site})
    return [_row(r) for r in result]

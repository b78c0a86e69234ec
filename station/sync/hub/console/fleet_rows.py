"""The dashboard's rows: one per (station, unit) touched in the window, as the shift log's rows
(station.sync.hub.shift_export), but holding only the columns the summary reads.

The shift log rebuilds every column of a unit from its whole event payloads; the dashboard needs
eleven of them, so PostgreSQL hands over the few payload keys it reads (a grade's sale grade, a
route's values, a wipe end's status) instead of whole payloads to sort, ship and parse. The touched
units, the "newest event of a kind" rules, the order and the Python helpers that turn the values
into columns are shift_export's own, so a figure on the dashboard stays the figure in the PDF.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from station import wipe_record as wr
from station.sync.hub import shift_export as sx

_STATUS, _SANITIZED = wr.key(wr.WipeEnded, "status"), wr.key(wr.WipeEnded, "sanitized")
_ENDS = f"'{wr.FINISHED}', '{wr.INTERRUPTED}'"

_SQL = f"""
WITH {sx.TOUCHED}, a AS (
    SELECT e.station_id, e.unit_uid,
        {sx.FINISH_COLUMNS}
        min(e.at) AS first_at,
        min(e.at) FILTER (WHERE kind = 'unit.created') AS created_at,
        (array_agg(payload -> 'sale_grade' ORDER BY seq DESC)
            FILTER (WHERE kind IN ('grade.recorded', 'grade.overridden')))[1] AS sale_grade,
        (array_agg(jsonb_build_array(payload -> 'route', payload -> 'expected_value', payload -> 'estimated_value')
                   ORDER BY seq DESC) FILTER (WHERE kind = 'route.assigned'))[1] AS route,
        -- shift_export's wipe end, less what the summary does not read; an empty end is no end
        (array_agg(CASE WHEN payload IN ('{{}}'::jsonb, 'null'::jsonb) THEN NULL
                        ELSE jsonb_build_object('{_STATUS}', payload -> '{_STATUS}',
                                                '{_SANITIZED}', payload -> '{_SANITIZED}') END ORDER BY seq DESC)
            FILTER (WHERE kind IN ({_ENDS}, 'certificate.issued')))[1] AS wipe_end,
        (array_agg(payload ->> '{wr.key(wr.WipeEnded, "reason")}' ORDER BY seq DESC)
            FILTER (WHERE kind IN ({_ENDS})))[1] AS wipe_reason,
        {sx.SETTLED_COLUMN}
    FROM events e JOIN touched t USING (station_id, unit_uid)
    GROUP BY e.station_id, e.unit_uid
)
SELECT a.station_id, a.first_at, a.created_at, a.sale_grade, a.route, a.wipe_end, a.wipe_reason, a.wipe_settled,
    a.fin_kind, a.fin_at, a.fin_by
FROM a
{sx.ORDER}
"""


def _row(r: Any) -> dict[str, Any]:
    """The columns of shift_export's row that station.reports.hub_pdf.summarize reads, made the same way."""
    intake: datetime = r.created_at or r.first_at
    finished: datetime | None = r.fin_at if r.fin_kind == "unit.finished" else None
    route, expected, estimated = r.route if r.route is not None else (None, None, None)
    status, reason = sx.unit_wipe(r.wipe_end, r.wipe_reason, r.wipe_settled)
    return {
        "station": r.station_id,
        "intake_at": intake,
        "finished_at": finished,
        "cycle_minutes": sx.cycle_minutes(intake, finished),
        "sale_grade": sx.text_or_none(r.sale_grade),
        "route": sx.text_or_none(route),
        "expected_value": sx.number_or_none(expected),
        "estimated_value": sx.number_or_none(estimated),
        "wipe_status": status,
        "wipe_reason": reason if status not in (None, "sanitized") else None,
        "finished_by": r.fin_by if finished else None,
    }


def dashboard_rows(s: Session, start: datetime, end: datetime, site: str | None) -> list[dict[str, Any]]:
    """One row per (station, unit) with an event in [start, end) at `site` (every site when None)."""
    # The planner's estimate of a wide window passes jit_above_cost, and compiling the aggregates takes longer
    # (about 90 ms for 8 h of 100 stations) than running them: off for this transaction only.
    s.execute(text("SET LOCAL jit = off"))
    result = s.execute(text(_SQL), {"start": start, "end": end, "operator": None, "site": site})
    return [_row(r) for r in result]

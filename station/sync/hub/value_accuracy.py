"""Disposition accuracy by value on the hub: the realised price of each sale against the value its
unit was routed with, over the outcomes the stations sent (docs/supervisor.md gives the formula).

    accuracy = 1 - sum|realised - routed| / sum routed, floored at 0, over the `sold` outcomes in the
    window that carry both a price and the routed value; the mean miss is sum|realised - routed| / sales.

The same figure as a station's Supervisor panel (station/kpis.py), across stations and per station.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_SQL = """
SELECT o.station_id, count(*), sum(o.amount), sum(o.expected_value), sum(abs(o.amount - o.expected_value))
FROM outcomes o JOIN stations st ON st.id = o.station_id
WHERE o.outcome = 'sold' AND o.amount IS NOT NULL AND o.expected_value IS NOT NULL
  AND o.at >= :since AND o.at < :until AND (CAST(:site AS text) IS NULL OR st.site_id = :site)
GROUP BY o.station_id ORDER BY o.station_id"""


def _figures(sales: int, realised: float, expected: float, missed: float) -> dict[str, Any]:
    return {"sales": sales, "realised": round(realised, 2), "expected": round(expected, 2),
            "missed": round(missed, 2), "mean_miss": round(missed / sales, 2) if sales else None,
            "accuracy": round(max(0.0, 1 - missed / expected), 4) if expected else None}


def accuracy(s: Session, since: datetime, until: datetime, site: str | None = None) -> dict[str, Any]:
    """All stations (of `site`, when given) and each one, for sales recorded in [since, until), station clock."""
    rows = [(st, int(n), float(r), float(e), float(m)) for st, n, r, e, m in s.execute(
        text(_SQL), {"since": since, "until": until, "site": site})]
    total = _figures(sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows),
                     sum(r[4] for r in rows))
    return {"since": since.isoformat(), "until": until.isoformat(), **total,
            "stations": [{"station": st, **_figures(n, r, e, m)} for st, n, r, e, m in rows]}

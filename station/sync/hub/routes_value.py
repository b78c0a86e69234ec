"""Value-loop endpoints for supervisors and integrations (reader tokens): the Inventory Risk Index ranked
with each dimension's contribution, the price bands as they would be published, and lifecycle tags with
the quarterly review list. Reads only: tiers are recorded and bands published by `station hub risk|bands`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from station.sync.hub import lifecycle_admin, value_accuracy, value_policy
from station.sync.hub.app import Token, authed
from station.sync.hub.auth import READER
from station.sync.hub.value import recompute
from station.value.lifecycle import REVIEW_DAYS, Tag

router = APIRouter(prefix="/v1/value", tags=["reader", "value"])
AsOf = Annotated[datetime | None, Query(description="compute as of this time (default: now; UTC if no zone)")]


def _utc(at: datetime | None) -> datetime | None:
    if at is not None and not 2000 <= at.year <= 9000:  # a window of days before year 1 cannot be computed
        raise HTTPException(422, "'at' must be a time between the years 2000 and 9000.")
    return at if at is None or at.tzinfo else at.replace(tzinfo=UTC)


def _tag(t: Tag, today: date) -> dict[str, Any]:
    return {"make": t.make, "model": t.model, "capacity": t.capacity, "sku": t.key, "stage": str(t.stage),
            "stage_label": t.stage.label, "tagged": t.tagged.isoformat(), "age_days": t.age_days(today), "by": t.by,
            "note": t.note}


@router.get("/risk")
def risk(token: Token, request: Request, scope: Literal["model", "lot"] = "model",
         limit: Annotated[int, Query(ge=1, le=10000)] = 100, at: AsOf = None) -> dict[str, Any]:
    """Models (or lots) with units on hand, highest Inventory Risk Index first, each dimension's share of it."""
    policy = value_policy.load()
    with authed(request, token, READER) as (s, _who):
        r = recompute(s, policy, at=_utc(at))
    rows = r.lots if scope == "lot" else r.models
    return {"at": r.at.isoformat(), "policy": policy.version, "weights": policy.weights,
            "tiers": {"medium": policy.medium, "high": policy.high},
            "items": [x.as_dict() for x in rows[:limit]]}


@router.get("/bands")
def bands(token: Token, request: Request, at: AsOf = None) -> dict[str, Any]:
    """The price bands computed from the sales now (what `station hub bands --publish` would publish)."""
    policy = value_policy.load()
    with authed(request, token, READER) as (s, _who):
        doc = recompute(s, policy, at=_utc(at)).bands
    return {"version": doc.version, "currency": doc.currency, "window_days": doc.window_days,
            "min_sales": doc.min_sales, "discounts": [asdict(d) for d in doc.discounts],
            "bands": [asdict(b) | {"sku": b.key} for b in doc.bands]}


@router.get("/lifecycle")
def lifecycle(token: Token, request: Request) -> dict[str, Any]:
    """Every lifecycle tag of the published document."""
    with authed(request, token, READER) as (s, _who):
        doc = lifecycle_admin.current(s)
    today = date.today()
    return {"version": doc.version, "tags": [_tag(t, today) for t in doc.tags]}


@router.get("/lifecycle/review")
def review(token: Token, request: Request, days: Annotated[int, Query(ge=1, le=3660)] = REVIEW_DAYS,
           on: Annotated[date | None, Query(description="review as on this day (default: today)")] = None,
           ) -> list[dict[str, Any]]:
    """Tags not set or confirmed for more than `days` (90: the quarterly review), oldest first."""
    today = on or date.today()
    with authed(request, token, READER) as (s, _who):
        return [_tag(t, today) for t in lifecycle_admin.review(s, today, days)]


@router.get("/accuracy")
def accuracy(token: Token, request: Request,
             since: Annotated[datetime | None, Query(description="from (default: 30 days before `until`)")] = None,
             until: Annotated[datetime | None, Query(description="to, exclusive (default: now)")] = None,
             ) -> dict[str, Any]:
    """Disposition accuracy by value: each sale's realised price against its routed value, all stations
    of the reader's site and per station (docs/supervisor.md)."""
    end = _utc(until) or datetime.now(UTC)
    start = _utc(since) or end - timedelta(days=30)
    if end <= start:
        raise HTTPException(422, "'until' must be later than 'since'.")
    with authed(request, token, READER) as (s, who):
        return value_accuracy.accuracy(s, start, end, who.site_id)

"""Endpoints for supervisors and integrations (reader tokens): history, certificates, summaries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from station.sync.hub import blobstore, queries
from station.sync.hub.app import Token, authed, store_of
from station.sync.hub.auth import READER
from station.sync.hub.schemas import HEX64

router = APIRouter(prefix="/v1", tags=["reader"])
Text = Annotated[str, Query(min_length=1, max_length=120, pattern=r"^[^\x00]+$")]
PathText = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00/]+$")]


@router.get("/units/history")
def unit_history(token: Token, request: Request, value: Text,
                 kind: Annotated[str | None, Query(max_length=20, pattern=r"^[a-z0-9_]+$")] = None,
                 limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> dict[str, Any]:
    """Every event of the units that answered to `value` (serial, IMEI, unit id...), across stations."""
    with authed(request, token, READER) as (s, _who):
        return queries.unit_history(s, value, kind, limit)


@router.get("/certificates/{cert_id}")
def certificate(cert_id: PathText, token: Token, request: Request) -> dict[str, Any]:
    with authed(request, token, READER) as (s, _who):
        found = queries.certificate(s, cert_id)
    if found is None:
        raise HTTPException(404, f"No certificate '{cert_id}' has reached the hub.")
    return found


@router.get("/certificates")
def certificates(token: Token, request: Request, serial: Text) -> list[dict[str, Any]]:
    """Every certificate issued for a drive or phone serial."""
    with authed(request, token, READER) as (s, _who):
        return queries.certificates_by_serial(s, serial)


@router.get("/blobs/{sha256}/content", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def blob_content(sha256: Annotated[str, Path(pattern=HEX64)], token: Token, request: Request) -> StreamingResponse:
    """A blob's bytes (a photo, a certificate PDF)."""
    with authed(request, token, READER) as (s, _who):
        st = blobstore.state(s, sha256)
    if st is None or not st.complete:
        raise HTTPException(404, "The hub does not hold this blob completely.")
    store = store_of(request)

    def chunks() -> Iterator[bytes]:
        with store.session() as s:
            yield from blobstore.read(s, sha256)

    return StreamingResponse(chunks(), media_type="application/octet-stream", headers={"Content-Length": str(st.size)})


@router.get("/summary/stations")
def summary_stations(token: Token, request: Request, since: date | None = None,
                     until: date | None = None) -> list[dict[str, Any]]:
    """Per station: chain head, last contact, clock skew, open incidents, and work counts in [since, until) UTC."""
    start = datetime.combine(since, time(), UTC) if since else None
    end = datetime.combine(until, time(), UTC) if until else None
    with authed(request, token, READER) as (s, _who):
        return queries.station_summary(s, start, end)


@router.get("/summary/shifts")
def summary_shifts(token: Token, request: Request, day: date,
                   boundaries: Annotated[str, Query(max_length=100, pattern=r"^[0-9:, ]+$")] = "06:00,14:00,22:00",
                   tz: Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")] = "UTC",
                   ) -> list[dict[str, Any]]:
    """Per shift of `day` (shift starts local to `tz`), per station: events, units and work counts."""
    try:
        with authed(request, token, READER) as (s, _who):
            return queries.shift_summary(s, day, boundaries, tz)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/incidents")
def incidents(token: Token, request: Request,
              station: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00\s]+$")] = None,
              open_only: bool = False) -> list[dict[str, Any]]:
    """Chain problems seen on arrival: gaps (resolved once filled), forks, altered events."""
    with authed(request, token, READER) as (s, _who):
        return queries.incidents(s, station, open_only)


@router.get("/stations/{station_id}/verify")
def verify(station_id: PathText, token: Token, request: Request) -> dict[str, Any]:
    """Re-walk a station's stored chain from its first event, recomputing every hash."""
    with authed(request, token, READER) as (s, _who):
        return queries.verify_station_chain(s, station_id)

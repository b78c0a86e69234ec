"""Endpoints for supervisors and integrations (reader tokens): history, certificates, summaries."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from station.sync.hub import blobstore, queries, shift_export, sites
from station.sync.hub.app import Token, authed, objects_of
from station.sync.hub.auth import READER
from station.sync.hub.schemas import HEX64

router = APIRouter(prefix="/v1", tags=["reader"])
Text = Annotated[str, Query(min_length=1, max_length=120, pattern=r"^[^\x00]+$")]
MAX_EXPORT = timedelta(days=92)  # a quarter: bounds the work one request can ask of the database
PathText = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00/]+$")]


@router.get("/units/history")
def unit_history(token: Token, request: Request, value: Text,
                 kind: Annotated[str | None, Query(max_length=20, pattern=r"^[a-z0-9_]+$")] = None,
                 limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> dict[str, Any]:
    """Every event of the units that answered to `value` (serial, IMEI, unit id...), across stations."""
    with authed(request, token, READER) as (s, who):
        return queries.unit_history(s, value, kind, limit, who.site_id)


@router.get("/certificates/{cert_id}")
def certificate(cert_id: PathText, token: Token, request: Request,
                station: Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[^\x00]+$")] = None,
                ) -> dict[str, Any]:
    """One certificate by id; when two stations announced the same id, name the issuer with ?station=."""
    with authed(request, token, READER) as (s, who):
        found = queries.certificates_by_id(s, cert_id, station, who.site_id)
    if not found:
        raise HTTPException(404, f"No certificate '{cert_id}' has reached the hub.")
    if len(found) > 1:
        issuers = ", ".join(c["station"] for c in found)
        raise HTTPException(409, f"Certificate id '{cert_id}' was announced by {issuers}; ask with ?station=.")
    return found[0]


@router.get("/certificates")
def certificates(token: Token, request: Request, serial: Text) -> list[dict[str, Any]]:
    """Every certificate issued for a drive or phone serial."""
    with authed(request, token, READER) as (s, who):
        return queries.certificates_by_serial(s, serial, who.site_id)


@router.get("/blobs/{sha256}/content", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def blob_content(sha256: Annotated[str, Path(pattern=HEX64)], token: Token, request: Request) -> StreamingResponse:
    """A blob's bytes (a photo, a certificate PDF)."""
    with authed(request, token, READER) as (s, who):
        st = blobstore.state(s, sha256)
        if st is not None and not sites.blob_visible(s, sha256, who.site_id):
            st = None  # another site's file: as if it were not here
    if st is None or not st.complete:
        raise HTTPException(404, "The hub does not hold this blob completely.")
    return StreamingResponse(blobstore.read(objects_of(request), sha256), media_type="application/octet-stream",
                             headers={"Content-Length": str(st.size)})


@router.get("/summary/stations")
def summary_stations(token: Token, request: Request, since: date | None = None,
                     until: date | None = None) -> list[dict[str, Any]]:
    """Per station: chain head, last contact, clock skew, open incidents, and work counts in [since, until) UTC."""
    start = datetime.combine(since, time(), UTC) if since else None
    end = datetime.combine(until, time(), UTC) if until else None
    with authed(request, token, READER) as (s, who):
        return queries.station_summary(s, start, end, who.site_id)


@router.get("/summary/shifts")
def summary_shifts(token: Token, request: Request, day: date,
                   boundaries: Annotated[str, Query(max_length=100, pattern=r"^[0-9:, ]+$")] = "06:00,14:00,22:00",
                   tz: Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")] = "UTC",
                   ) -> list[dict[str, Any]]:
    """Per shift of `day` (shift starts local to `tz`), per station: events, units and work counts."""
    try:
        with authed(request, token, READER) as (s, who):
            return queries.shift_summary(s, day, boundaries, tz, who.site_id)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


def _moment(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"'{name}' must be an ISO date and time with its offset, e.g. "
                                 f"2026-11-23T06:00:00+01:00; '{value}' is not one.") from None
    if moment.tzinfo is None:  # a bare local time would be read in the hub's zone: refuse rather than guess
        raise HTTPException(422, f"'{name}' needs a UTC offset (e.g. 2026-11-23T06:00:00+01:00), "
                                 "because stations may run in different zones.")
    return moment


@router.get("/export/shift", response_class=JSONResponse,
            responses={200: {"description": "{start, end, operator, rows: [one object per (station, unit)]}"}})
def export_shift(token: Token, request: Request,
                 start: Annotated[str, Query(max_length=40, description="ISO date-time with offset (inclusive)")],
                 end: Annotated[str, Query(max_length=40, description="ISO date-time with offset (exclusive)")],
                 operator: Annotated[str | None, Query(min_length=1, max_length=120,
                                                       pattern=r"^[^\x00]+$")] = None,
                 ) -> Response:
    """One row per (station, unit) with an event in [start, end), station clock; `operator` keeps the units
    that operator worked on in the window. The columns of a station's shift log, plus `station`."""
    with authed(request, token, READER) as (s, who):
        # The token first: a caller without a reader token learns nothing, not even about the dates.
        begin, finish = _moment("start", start), _moment("end", end)
        if finish <= begin:
            raise HTTPException(422, f"'end' ({end}) must be later than 'start' ({start}).")
        if finish - begin > MAX_EXPORT:
            raise HTTPException(422, f"An export covers at most {MAX_EXPORT.days} days; split the period.")
        rows = shift_export.shift_rows(s, begin, finish, operator, who.site_id)
    # Rows are plain JSON values already: dumped as they are, not walked through response
    # validation, which for 10,000 rows of 30 fields cost more than the query.
    doc = {"start": begin.isoformat(), "end": finish.isoformat(), "operator": operator, "rows": rows}
    return Response(json.dumps(doc, separators=(",", ":")), media_type="application/json")


@router.get("/incidents")
def incidents(token: Token, request: Request,
              station: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00\s]+$")] = None,
              open_only: bool = False) -> list[dict[str, Any]]:
    """Chain problems seen on arrival: gaps (resolved once filled), forks, altered events."""
    with authed(request, token, READER) as (s, who):
        return queries.incidents(s, station, open_only, who.site_id)


@router.get("/stations/{station_id}/verify")
def verify(station_id: PathText, token: Token, request: Request) -> dict[str, Any]:
    """Re-walk a station's stored chain from its first event, recomputing every hash."""
    with authed(request, token, READER) as (s, who):
        if not sites.station_visible(s, station_id, who.site_id):
            raise HTTPException(404, f"No station '{station_id}' is visible to this token.")
        return queries.verify_station_chain(s, station_id)

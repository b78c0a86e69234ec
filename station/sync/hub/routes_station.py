"""Endpoints a station calls: health, its own chain head, event upload, blobs, configuration pull."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from station import clock
from station.sync.hub import blobstore, configdocs, ingest
from station.sync.hub.app import STATION_TIME, Token, authed, objects_of, store_of
from station.sync.hub.auth import STATION
from station.sync.hub.db import current_revision
from station.sync.hub.models import HubEvent, HubStation
from station.sync.hub.schemas import (
    HEX64,
    BatchReply,
    BlobQuery,
    BlobQueryReply,
    BlobState,
    ConfigDocument,
    ConfigIndex,
    EventBatch,
    Health,
    StationInfo,
)

router = APIRouter(prefix="/v1", tags=["station"])
Sha = Annotated[str, Path(pattern=HEX64)]
DocPart = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00/\s]+$")]
_OCTETS = {"requestBody": {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    """Liveness and schema revision; needs no token."""
    return Health(ok=True, hub_time=clock.iso(), schema_revision=current_revision(store_of(request).engine))


@router.get("/stations/me", response_model=StationInfo)
def me(token: Token, request: Request) -> StationInfo:
    """The calling station's chain head as the hub holds it."""
    with authed(request, token, STATION) as (s, who):
        st = ingest.touch(s, who.station_id or "", request.headers.get(STATION_TIME))
        return StationInfo(station=st.id, head_seq=st.head_seq, head_hash=st.head_hash, hub_time=clock.iso(),
                           clock_skew_s=st.clock_skew_s)


@router.get("/stations/me/events")
def my_events(token: Token, request: Request, after: Annotated[int, Query(ge=0, le=2**62)] = 0,
              limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> dict[str, Any]:
    """The calling station's own chain as the hub holds it, from event #after+1 in order: each event's
    links and the exact body that was hashed, so `station db restore` can rebuild and re-verify it."""
    with authed(request, token, STATION) as (s, who):
        station = s.get(HubStation, who.station_id or "")
        rows = s.execute(select(HubEvent.seq, HubEvent.prev_hash, HubEvent.hash, HubEvent.kind, HubEvent.body)
                         .where(HubEvent.station_id == who.station_id, HubEvent.seq > after)
                         .order_by(HubEvent.seq).limit(limit)).all()
    return {"station": who.station_id, "head_seq": station.head_seq if station else 0,
            "events": [{"seq": seq, "prev_hash": prev, "hash": h, "refused": kind == "hub.refused",
                        "body": json.loads(body)} for seq, prev, h, kind, body in rows]}


# The body is read by the route itself, not by FastAPI: FastAPI would parse it to dicts and validate those
# against EventBatch, and ingest would then validate each again against EventIn; it is now read once.
_BATCH_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": EventBatch.model_json_schema(ref_template="#/components/schemas/{model}")}}}}


@router.post("/events", response_model=BatchReply, openapi_extra=_BATCH_BODY)
async def post_events(token: Token, request: Request) -> Response:
    """Store a batch of the calling station's events: idempotent and chain-checked; see each result's status."""
    raw = await request.body()  # already read, within its limit, by the front door (limits.Guard)

    def work() -> Response:
        try:
            station, events = ingest.read_batch(raw)
        except ingest.NotABatch as exc:
            raise RequestValidationError(exc.errors) from None
        except ingest.Unreadable as exc:
            raise HTTPException(422, str(exc)) from exc
        with authed(request, token, STATION) as (s, who):
            claimed = {station} | {e.station for e in events}
            if claimed != {who.station_id}:
                others = ", ".join(repr(x) for x in sorted(claimed - {who.station_id}))
                raise HTTPException(403, f"This token belongs to station '{who.station_id}'; it cannot write as "
                                         f"{others}.")
            reply = ingest.ingest(s, who.station_id or "", events, request.headers.get(STATION_TIME))
        # only after the commit: "accepted" means stored. Written by pydantic directly: FastAPI would validate
        # the reply it was just given against BatchReply again, one result at a time.
        return Response(reply.model_dump_json(), media_type="application/json")

    return await run_in_threadpool(work)


@router.post("/blobs/query", response_model=BlobQueryReply)
def query_blobs(q: BlobQuery, token: Token, request: Request) -> BlobQueryReply:
    """Which of these blobs the hub already holds, completely or partly."""
    with authed(request, token) as (s, who):
        return BlobQueryReply(blobs=blobstore.states(s, q.sha256, who.station_id))


@router.get("/blobs/{sha256}", response_model=BlobState)
def blob_state(sha256: Sha, token: Token, request: Request) -> BlobState:
    with authed(request, token) as (s, who):
        st = blobstore.state(s, sha256, who.station_id)
    if st is None:
        raise HTTPException(404, "The hub has no bytes of this blob yet.")
    return st


@router.put("/blobs/{sha256}", response_model=BlobState, openapi_extra=_OCTETS,
            responses={409: {"description": "Wrong offset: the body says how many bytes the hub holds."},
                       422: {"description": "The finished content did not match the sha256; upload discarded."}})
async def put_blob(sha256: Sha, request: Request, token: Token,
                   offset: Annotated[int, Query(ge=0, le=blobstore.MAX_BLOB)],
                   total: Annotated[int, Query(ge=0, le=blobstore.MAX_BLOB)]) -> Any:
    """Append a chunk at `offset` (where the hub's bytes end). The last chunk completes the blob and checks it."""
    objects = objects_of(request)
    data = await request.body()

    def work() -> tuple[int, dict[str, Any]]:
        try:
            with authed(request, token, STATION) as (s, who):
                state, mismatch = blobstore.put_chunk(s, objects, sha256, offset, total, data, who.station_id)
        except blobstore.BlobError as exc:
            return exc.status, {"detail": str(exc), **(exc.state.model_dump() if exc.state else {})}
        return (422, {"detail": mismatch, **state.model_dump()}) if mismatch else (200, state.model_dump())

    status, body = await run_in_threadpool(work)
    return JSONResponse(body, status_code=status)


@router.get("/config", response_model=ConfigIndex)
def config_index(token: Token, request: Request) -> ConfigIndex:
    """The latest version of each published configuration document (without bodies)."""
    with authed(request, token) as (s, who):
        if who.station_id:
            ingest.touch(s, who.station_id, request.headers.get(STATION_TIME))
            return ConfigIndex(documents=configdocs.for_station(s, who.station_id))
        return ConfigIndex(documents=configdocs.current(s))


@router.get("/config/{kind}/{name}", response_model=ConfigDocument)
def config_document(kind: DocPart, name: DocPart, token: Token, request: Request,
                    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> ConfigDocument:
    """One configuration document: the latest version, or the one asked for."""
    with authed(request, token) as (s, who):
        mine = who.station_id is None or configdocs.visible(s, who.station_id, kind, name)
        doc = configdocs.get(s, kind, name, version) if mine else None
    if doc is None:
        raise HTTPException(404, f"No published {kind} named '{name}'" + (f", version {version}." if version else "."))
    return doc

"""The hub's HTTP API (FastAPI). Stateless: all state is in PostgreSQL.

Writes need a station token and act only as that station; reads of other stations'
data need a reader token. Each handler runs its own transaction and answers only after
it committed, so "accepted" always means "stored". `create_app(url)` builds an app;
`app_from_env()` is the uvicorn factory used by `station hub serve`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from station import __version__
from station.sync.hub import auth, station_status
from station.sync.hub.db import HubStore, database_url_from_env
from station.sync.hub.limits import Guard, Limits
from station.sync.hub.objects import ObjectStore, ObjectStoreUnavailable, S3Settings

log = logging.getLogger(__name__)

STATION_TIME = "X-Station-Time"  # the station's clock, so the hub can report skew
ENV_SETTINGS = "STATION_HUB_SETTINGS"  # hub.toml, for the worker processes `station hub serve` starts
_bearer = HTTPBearer(auto_error=False, description="A station token (writes) or a reader token (reads).")


def store_of(request: Request) -> HubStore:
    return request.app.state.store


def objects_of(request: Request) -> ObjectStore:
    objects: ObjectStore | None = request.app.state.objects
    if objects is None:
        raise HTTPException(503, "This hub has no object storage configured (hub.s3_endpoint and hub.s3_bucket in "
                                 "hub.toml), so it takes no photos or PDFs yet; stations keep them queued.")
    return objects


def _bearer_token(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    # Presence only (no database): a request without any token is refused before anything else.
    if creds is None or not creds.credentials:
        raise HTTPException(401, "No token was sent. Send 'Authorization: Bearer <token>'.",
                            headers={"WWW-Authenticate": "Bearer"})
    return creds.credentials


Token = Annotated[str, Depends(_bearer_token)]


@contextmanager
def authed(request: Request, token: str, role: str | None = None) -> Iterator[tuple[Session, auth.Principal]]:
    """One transaction that checks the token and then does the work: one round trip, one commit."""
    with store_of(request).session() as s:
        who = getattr(request.state, "principal", None)  # the front door (limits.Guard) checked it
        if who is None:
            try:
                who = auth.authenticate(s, token)
            except auth.AuthError as exc:
                raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
        if role == auth.STATION and (who.role != auth.STATION or not who.station_id):
            raise HTTPException(403, "Only a station token can do this; reader tokens only read.")
        status = station_status.read(request.headers) if who.role == auth.STATION and who.station_id else None
        if role == auth.READER and who.role != auth.READER:
            raise HTTPException(403, "This needs a reader (supervisor) token; station tokens see only their own data.")
        yield s, who
        if status is not None and who.station_id:  # after the work, which mostly loaded the row already
            station_status.record(s, who.station_id, status, auth.now())


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("hub database unavailable: %s", exc)
    return JSONResponse({"detail": "The hub's database is unavailable; retry in a moment."}, status_code=503)


async def _objects_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("hub object storage unavailable: %s", exc)
    return JSONResponse({"detail": "The hub's object storage is unavailable; the file stays queued on the station "
                                   "and is sent later."}, status_code=503)


async def _expire_uploads(store: HubStore, objects: ObjectStore, every_s: float = 600.0) -> None:
    """Unfinished blob uploads left alone too long are aborted, by whichever instance gets there."""
    from station.sync.hub import blobstore

    def sweep() -> int:
        with store.session() as s:
            return blobstore.expire_uploads(s, objects)

    while True:
        try:
            if n := await run_in_threadpool(sweep):
                log.info("hub: %d unfinished blob upload(s) expired", n)
        except Exception:  # a database hiccup must not end the sweeping for good
            log.exception("hub: expiring unfinished uploads failed")
        await asyncio.sleep(every_s)


def create_app(database_url: str, *, pool_size: int = 15, limits: Limits | None = None,
               s3: S3Settings | None = None) -> FastAPI:
    from station.sync.hub import routes_reader, routes_station, routes_value

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        objects: ObjectStore | None = app.state.objects
        sweeper = None
        if objects is not None:
            try:
                await run_in_threadpool(objects.prepare)
            except ObjectStoreUnavailable as exc:  # uploads answer 503 until it is back; events flow meanwhile
                log.warning("hub: the object storage %r is not ready: %s", objects, exc)
            sweeper = asyncio.create_task(_expire_uploads(app.state.store, objects))
        yield
        if sweeper is not None:
            sweeper.cancel()
        app.state.store.close()

    app = FastAPI(
        title="Triage station hub", version=__version__, lifespan=lifespan,
        description="Central store of every station's events, certificates and photos, and the source of the "
                    "configuration stations pull. Station tokens write as their own station only; reader tokens "
                    "read across stations and never write.",
    )
    # Connections are kept, never opened per request: with overflow, every request past pool_size opened a
    # connection (a PostgreSQL backend forked) and closed it again. Past pool_size, requests wait their turn.
    app.state.store = HubStore(database_url, pool_size=pool_size, max_overflow=0)
    app.state.objects = ObjectStore(s3) if s3 is not None else None
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)
    app.add_exception_handler(ObjectStoreUnavailable, _objects_unavailable)
    app.include_router(routes_station.router)
    app.include_router(routes_reader.router)
    app.include_router(routes_value.router)
    if importlib.util.find_spec("jinja2") is not None:
        from station.sync.hub.console import web

        web.install(app)
    else:
        log.info("hub: the web console is not installed (pip install 'triage-station[console]'); serving the API")
    app.add_middleware(Guard, store=lambda: app.state.store, limits=limits)
    return app


def app_from_env() -> FastAPI:
    """uvicorn factory: the database URL comes from STATION_HUB_DATABASE_URL, the object storage from the
    hub.s3_* settings of the file STATION_HUB_SETTINGS names; access lines go to stderr."""
    import os
    from pathlib import Path

    from station.config import Config
    from station.sync.hub.limits import access

    if not access.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
    settings = os.environ.get(ENV_SETTINGS)
    config = Config.load(Path(settings)) if settings else None
    s3 = S3Settings.from_config(config) if config is not None else None
    if s3 is None:
        log.warning("hub: no object storage configured (hub.s3_endpoint, hub.s3_bucket): photos and PDFs are refused")
    app = create_app(database_url_from_env(), s3=s3)
    if config is not None:
        app.state.console_refresh_s = config["hub.console_refresh_s"]
    return app

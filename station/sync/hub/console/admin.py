"""The admin's page: stations (site, last contact, chain head, incidents), tokens and configuration
documents with their history. Read-only: changes stay with `station hub ...`, where they are recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from station.sync.hub import auth, configdocs, queries, sites
from station.sync.hub.app import store_of
from station.sync.hub.console.accounts import ADMIN
from station.sync.hub.console.web import Console, need, page
from station.sync.hub.models import HubToken

router = APIRouter(prefix="/console", include_in_schema=False)
DocQ = Annotated[str | None, Query(max_length=100, pattern=r"^[a-z]+/[a-z0-9_-]{1,64}$")]


def token_state(t: HubToken, now: datetime) -> str:
    if t.revoked_at:
        return f"revoked {t.revoked_at:%Y-%m-%d %H:%M} by {t.revoked_by or '?'}"
    if t.expires_at and t.expires_at <= now:
        return f"expired {t.expires_at:%Y-%m-%d %H:%M}"
    return "active" + (f" until {t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else "")


@router.get("/stations", response_class=HTMLResponse)
def stations(request: Request, who: Console, doc: DocQ = None) -> Response:
    need(who, (ADMIN,))
    with store_of(request).session() as s:
        rows = queries.station_summary(s)
        now = auth.now()
        tokens = [(t, token_state(t, now)) for t in auth.list_tokens(s)]
        documents = configdocs.current(s)
        history = configdocs.history(s, *doc.split("/", 1)) if doc else []
        site_list = sites.list_sites(s)
    return page(request, "stations.html", who, rows=rows, tokens=tokens, documents=documents, doc=doc,
                history=history, sites=site_list)

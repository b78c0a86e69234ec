"""Console pages for site managers and auditors: the fleet dashboard, unit and certificate search,
downloads and the shift log export. Every query is scoped to the account's site in the database."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask

from station.sync.hub import queries, sites
from station.sync.hub.app import objects_of, store_of
from station.sync.hub.console import certfiles, fleet
from station.sync.hub.console.web import ALL, MANAGERS, Console, SignedIn, need, page, site_of
from station.sync.hub.models import HubSite
from station.sync.hub.routes_reader import MAX_EXPORT
from station.sync.hub.schemas import HEX64

router = APIRouter(prefix="/console", include_in_schema=False)
Search = Annotated[str, Query(max_length=120, pattern=r"^[^\x00]*$")]
SiteQ = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00/]*$")]
Hours = Annotated[float, Query(gt=0, le=24 * 31)]
Id = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[^\x00/]+$")]


def _sites(request: Request, who: Any) -> list[str]:
    if who.account.site is not None:
        return [who.account.site]
    with store_of(request).session() as s:
        return list(s.execute(select(HubSite.id).order_by(HubSite.id)).scalars())


def _figures(request: Request, who: SignedIn, site: str | None, hours: float) -> tuple[str | None, fleet.Fleet]:
    """The manager's scope and its figures: the dashboard and its htmx refresh show the same ones."""
    need(who, MANAGERS)
    scope = site_of(who, site)
    with store_of(request).session() as s:
        return scope, fleet.figures(s, fleet.window(hours), scope)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, who: Console, site: SiteQ = None, hours: Hours = 8.0) -> Response:
    scope, f = _figures(request, who, site, hours)
    return page(request, "dashboard.html", who, f=f, site=scope, hours=hours, sites=_sites(request, who),
                refresh_s=request.app.state.console_refresh_s)


@router.get("/dashboard/kpis", response_class=HTMLResponse)
def dashboard_kpis(request: Request, who: Console, site: SiteQ = None, hours: Hours = 8.0) -> Response:
    """The figures alone: what the dashboard's htmx polling swaps in."""
    scope, f = _figures(request, who, site, hours)
    return page(request, "_kpis.html", who, f=f, site=scope, hours=hours)


@router.get("/units", response_class=HTMLResponse)
def units(request: Request, who: Console, q: Search = "") -> Response:
    need(who, ALL)
    found: dict[str, Any] | None = None
    certs: list[dict[str, Any]] = []
    if q.strip():
        with store_of(request).session() as s:
            found = queries.unit_history(s, q.strip(), None, 2000, who.account.site)
            wanted = {(e["station"], e["payload"].get("certificate_id")) for e in found["events"]
                      if e["kind"] == "certificate.issued"}
            certs = [c for st, cid in sorted(wanted) if cid
                     for c in queries.certificates_by_id(s, cid, st, who.account.site)]
    photos = [e for e in (found or {}).get("events", []) if e["kind"] == "photo.captured"
              and isinstance(e["payload"].get("sha256"), str)]
    return page(request, "units.html", who, q=q, found=found, certs=certs, photos=photos)


@router.get("/certificates", response_class=HTMLResponse)
def certificates(request: Request, who: Console, q: Search = "") -> Response:
    need(who, ALL)
    found: list[dict[str, Any]] = []
    files: dict[tuple[str, str], dict[str, str | None]] = {}
    if q.strip():
        with store_of(request).session() as s:
            certfiles.catch_up(s, objects_of(request))
            found = queries.certificates_by_id(s, q.strip(), None, who.account.site) or \
                queries.certificates_by_serial(s, q.strip(), who.account.site)
            files = {(c["station"], c["id"]): {fmt: certfiles.file_of(s, c["station"], c["id"], fmt)
                                               for fmt in ("json", "pdf")} for c in found}
    return page(request, "certificates.html", who, q=q, found=found, files=files)


@router.get("/certificates/{station}/{cert_id}.{fmt}")
def certificate_file(request: Request, who: Console, station: Id, cert_id: Id,
                     fmt: Annotated[str, PathParam(pattern=r"^(json|pdf)$")]) -> Response:
    need(who, ALL)
    with store_of(request).session() as s:
        if not sites.station_visible(s, station, who.account.site):
            raise HTTPException(404, "No such certificate is visible to this account.")
        certfiles.catch_up(s, objects_of(request))
        sha = certfiles.file_of(s, station, cert_id, fmt)
        if sha is None:
            raise HTTPException(404, f"The {fmt.upper()} of certificate {cert_id} has not reached the hub yet.")
        data = certfiles.content(objects_of(request), sha)
    media = "application/pdf" if fmt == "pdf" else "application/json"
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{cert_id}.{fmt}"'})


@router.get("/photos/{sha256}")
def photo(request: Request, who: Console, sha256: Annotated[str, PathParam(pattern=HEX64)]) -> Response:
    need(who, ALL)
    with store_of(request).session() as s:
        if not sites.blob_visible(s, sha256, who.account.site):
            raise HTTPException(404, "No such photo is visible to this account.")
        data = certfiles.content(objects_of(request), sha256)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})


@router.get("/export", response_class=HTMLResponse)
def export_form(request: Request, who: Console) -> Response:
    need(who, MANAGERS)
    return page(request, "export.html", who, sites=_sites(request, who))


def _moment(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"'{name}' must be a date and time, e.g. 2026-11-23T06:00+01:00.") from None
    if moment.tzinfo is None:
        raise HTTPException(422, f"'{name}' needs a UTC offset (e.g. +01:00): stations may run in different zones.")
    return moment


@router.get("/export/download")
def export_download(request: Request, who: Console, start: Annotated[str, Query(max_length=40)],
                    end: Annotated[str, Query(max_length=40)], fmt: Annotated[str, Query(pattern=r"^(csv|xlsx|pdf)$")],
                    site: SiteQ = None) -> Response:
    """The shift log of a site (or the fleet) for [start, end), by the station's own writers."""
    from station.reports import hub_pdf, tabular
    from station.shifts import Window

    need(who, MANAGERS)
    scope = site_of(who, site)
    begin, finish = _moment("start", start), _moment("end", end)
    if not begin < finish <= begin + MAX_EXPORT:
        raise HTTPException(422, f"The end must come after the start, at most {MAX_EXPORT.days} days later.")
    w = Window(begin, finish, scope or "all sites")
    with store_of(request).session() as s:
        log = fleet.rows_log(s, w, scope)
    folder = Path(tempfile.mkdtemp(prefix="hub-export-"))
    out = folder / f"shift-{scope or 'fleet'}-{begin:%Y%m%d-%H%M}.{fmt}"
    writer = {"csv": tabular.write_csv, "xlsx": tabular.write_xlsx}.get(fmt)
    if writer is not None:
        writer(log, out)
    else:
        hub_pdf.write_pdf(log, out)

    def clean() -> None:
        out.unlink(missing_ok=True)
        folder.rmdir()

    return FileResponse(out, filename=out.name, background=BackgroundTask(clean))

"""The shift log of every station, fetched from the hub with a reader token.

The hub answers `GET /v1/export/shift` with one row per (station, unit) in the columns of
the station's own log (station.reports.shift_rows.COLUMNS) plus the station. Times come
as UTC instants and are turned into the station's zone here, like the local export.

`export()` fetches and writes in one call for the CLI and the Supervisor panel. Every
failure becomes one UserFacingError sentence that says what happened and what to do;
nothing is written before the whole answer has arrived, so there is never a partial file.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from station import __version__, clock, events
from station.config import Config
from station.errors import UserFacingError
from station.hub_trust import HubError, tls_verify
from station.i18n import _
from station.reports.shift_rows import COLUMNS, ShiftLog
from station.shifts import Window
from station.store import Store

TOKEN_ENV = "STATION_HUB_READER_TOKEN"
FORMATS = ("csv", "xlsx", "pdf")
HUB_COLUMNS: tuple[tuple[str, str, str], ...] = (("station", "Station", "text"), *COLUMNS)
_GET_READER = "Ask the hub administrator for one ('station hub create-reader NAME')."


class HubExportError(UserFacingError):
    """The hub could not be asked, or refused: nothing was exported (the CLI exits 1)."""


@dataclass(frozen=True)
class HubShiftLog(ShiftLog):
    """A ShiftLog with the rows of every station, written with the Station column first."""

    hub_url: str = ""
    columns: tuple[tuple[str, str, str], ...] = HUB_COLUMNS

    @property
    def stations(self) -> list[str]:
        return sorted({r["station"] for r in self.rows})

    def title(self) -> str:
        stations = self.stations
        return (f"Shift log, all stations ({len(stations)}: {', '.join(stations) or 'none'}), "
                f"{self.window.label()}; times in {self.zone}{'; operator ' + self.operator if self.operator else ''}")

    def about(self) -> list[tuple[str, Any]]:
        *head, units = super().about()
        return [*head, ("Stations", ", ".join(self.stations)), ("Source", f"hub {self.hub_url}"), units]


def reader_token(config: Config, token_file: Path | None = None) -> str:
    """--reader-token-file, else STATION_HUB_READER_TOKEN, else sync.reader_token."""
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UserFacingError(_("The reader token file {token_file} cannot be read ({strerror}). Check "
                                    "the path and its permissions.").format(
                    token_file=token_file, strerror=exc.strerror or exc)) from exc
        if not token:
            raise UserFacingError(_("The reader token file {token_file} is empty. {GET_READER}").format(
                    token_file=token_file, GET_READER=_GET_READER))
        return token
    token = os.environ.get(TOKEN_ENV, "").strip() or config.get_str("sync.reader_token").strip()
    if not token:
        raise UserFacingError(_("Exports across stations need a hub reader token: give --reader-token-file, "
                                "set {TOKEN_ENV}, or set sync.reader_token. {GET_READER}").format(
                TOKEN_ENV=TOKEN_ENV, GET_READER=_GET_READER))
    return token


def _detail(resp: httpx.Response) -> str:
    try:
        detail = resp.json().get("detail", "")
    except (ValueError, AttributeError):
        detail = resp.text[:200]
    return str(detail).strip()


def _get(url: str, token: str, verify: bool | ssl.SSLContext, params: dict[str, str], timeout: float,
         transport: httpx.BaseTransport | None) -> httpx.Response:
    nothing = "nothing was exported"
    try:
        with httpx.Client(base_url=url, verify=verify, transport=transport,
                          timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                          headers={"Authorization": f"Bearer {token}",
                                   "User-Agent": f"triage-station/{__version__}"}) as http:
            return http.get("/v1/export/shift", params=params)
    except httpx.ConnectError as exc:
        if isinstance(exc.__context__, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY" in str(exc):
            raise HubExportError(_("The hub at {url} presented a TLS certificate this station does not "
                                   "trust; {nothing}. Pin it with sync.hub_fingerprint, or set sync.ca_file "
                                   "to the CA that signed it.").format(url=url, nothing=nothing)) from exc
        raise HubExportError(_("The hub at {url} cannot be reached ({exc}); {nothing}. Check that the hub "
                               "is running and the network is up, or export this station only.").format(
                url=url, exc=exc, nothing=nothing)) from exc
    except httpx.TimeoutException as exc:
        raise HubExportError(_("The hub at {url} did not answer within {timeout:.0f} s; {nothing}. Try "
                               "again, or export a shorter period.").format(
            url=url, timeout=timeout, nothing=nothing)) from exc
    except httpx.HTTPError as exc:
        raise HubExportError(_("The connection to the hub at {url} failed ({name}); {nothing}. Try again, "
                               "or export this station only.").format(
                url=url, name=type(exc).__name__, nothing=nothing)) from exc


def fetch(config: Config, w: Window, operator: str | None, token: str, *, timeout: float = 60.0,
          transport: httpx.BaseTransport | None = None) -> HubShiftLog:
    """Every station's units touched in `w`, from the hub at sync.hub_url, times in the window's zone."""
    url = config.get_str("sync.hub_url").rstrip("/")
    if not url:
        raise UserFacingError(_("No hub is configured (sync.hub_url is empty), so there is nothing to "
                                "export across stations. Set sync.hub_url, or export this station only."))
    params = {"start": w.start.isoformat(), "end": w.end.isoformat(), **({"operator": operator} if operator else {})}
    try:  # the station's own trust in the hub: pinned fingerprint, CA file, or plain http only if allowed
        verify = tls_verify(config, url)
    except HubError as exc:
        raise HubExportError(_("{why}; nothing was exported.").format(why=exc.message.rstrip('.'))) from exc
    resp = _get(url, token, verify, params, timeout, transport)
    if resp.status_code in (401, 403):
        raise HubExportError(_("The hub refused the reader token: {detail} {GET_READER}").format(
                detail=_detail(resp), GET_READER=_GET_READER))
    if resp.status_code >= 500:
        raise HubExportError(_("The hub at {url} had a problem (HTTP {status_code}: {detail}); nothing was "
                               "exported. Try again in a moment.").format(
                url=url, status_code=resp.status_code, detail=_detail(resp)))
    if resp.status_code == 404:
        raise HubExportError(_("The hub at {url} does not offer exports across stations (HTTP 404); nothing "
                               "was exported. Update the hub, or check sync.hub_url.").format(url=url))
    if resp.status_code >= 400:
        raise HubExportError(_("The hub rejected the export: {detail} (HTTP {status_code}).").format(
                detail=_detail(resp), status_code=resp.status_code))
    try:
        rows = resp.json()["rows"]
        log = log_of(rows, w, operator, url)
        missing = {k for k, _h, _t in HUB_COLUMNS} - set(rows[0]) if rows else set()
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise HubExportError(_("The hub at {url} answered with something that is not a shift log; nothing "
                               "was exported. Is sync.hub_url the hub's address?").format(url=url)) from exc
    if missing:
        raise HubExportError(_("The hub at {url} is older than this station (its rows lack {missing}); "
                               "nothing was exported. Update the hub.").format(
                url=url, missing=', '.join(sorted(missing))))
    return log


def log_of(rows: list[dict[str, Any]], w: Window, operator: str | None, hub_url: str) -> HubShiftLog:
    """The hub's rows (station.sync.hub.shift_export) as a log in the window's zone: what every writer takes.
    The hub's own console calls this with the rows it queried; the station with the rows it fetched."""
    tz = w.start.tzinfo
    for row in rows:  # instants -> local times with their offsets, as the local export has them
        for key in ("intake_at", "finished_at"):
            value = row[key]
            if isinstance(value, str):
                value = clock.parse(value)
            row[key] = value.astimezone(tz) if value else None
    return HubShiftLog(w, str(tz), operator, rows, hub_url=hub_url)


def export(config: Config, w: Window, operator: str | None, token: str, fmt: str, out: Path) -> HubShiftLog:
    """Fetch every station's rows, then write them as csv, xlsx or pdf: the one call of the CLI and the panel.

    Blocking (network, then file): the panel runs it through an Op, off the GUI thread.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    log = fetch(config, w, operator, token)
    if fmt == "pdf":
        from station.reports import hub_pdf  # reportlab loads only for a PDF

        hub_pdf.write_pdf(log, out)
    else:
        from station.reports import tabular

        (tabular.write_csv if fmt == "csv" else tabular.write_xlsx)(log, out)
    return log


def unsynced_note(store: Store) -> str | None:
    """What an export from the hub cannot hold yet: this station's unit events still in its outbox."""
    n = events.pending_unit_events(store)
    if not n:
        return None
    what = "1 unit change made at this station is" if n == 1 else f"{n:,} unit changes made at this station are"
    return f"{what} not on the hub yet, so not in this log; export again once the station has synced."

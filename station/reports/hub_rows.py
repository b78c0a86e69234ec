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
            raise UserFacingError(f"The reader token file {token_file} cannot be read ({exc.strerror or exc}). "
                                  "Check the path and its permissions.") from exc
        if not token:
            raise UserFacingError(f"The reader token file {token_file} is empty. {_GET_READER}")
        return token
    token = os.environ.get(TOKEN_ENV, "").strip() or config.get_str("sync.reader_token").strip()
    if not token:
        raise UserFacingError("Exports across stations need a hub reader token: give --reader-token-file, set "
                              f"{TOKEN_ENV}, or set sync.reader_token. {_GET_READER}")
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
            raise HubExportError(f"The hub at {url} presented a TLS certificate this station does not trust; "
                                  f"{nothing}. Pin it with sync.hub_fingerprint, or set sync.ca_file to the CA that "
                                  "signed it.") from exc
        raise HubExportError(f"The hub at {url} cannot be reached ({exc}); {nothing}. Check that the hub is "
                              "running and the network is up, or export this station only.") from exc
    except httpx.TimeoutException as exc:
        raise HubExportError(f"The hub at {url} did not answer within {timeout:.0f} s; {nothing}. "
                              "Try again, or export a shorter period.") from exc
    except httpx.HTTPError as exc:
        raise HubExportError(f"The connection to the hub at {url} failed ({type(exc).__name__}); {nothing}. "
                              "Try again, or export this station only.") from exc


def fetch(config: Config, w: Window, operator: str | None, token: str, *, timeout: float = 60.0,
          transport: httpx.BaseTransport | None = None) -> HubShiftLog:
    """Every station's units touched in `w`, from the hub at sync.hub_url, times in the window's zone."""
    url = config.get_str("sync.hub_url").rstrip("/")
    if not url:
        raise UserFacingError("No hub is configured (sync.hub_url is empty), so there is nothing to export "
                              "across stations. Set sync.hub_url, or export this station only.")
    params = {"start": w.start.isoformat(), "end": w.end.isoformat(), **({"operator": operator} if operator else {})}
    try:  # the station's own trust in the hub: pinned fingerprint, CA file, or plain http only if allowed
        verify = tls_verify(config, url)
    except HubError as exc:
        raise HubExportError(f"{exc.message.rstrip('.')}; nothing was exported.") from exc
    resp = _get(url, token, verify, params, timeout, transport)
    if resp.status_code in (401, 403):
        raise HubExportError(f"The hub refused the reader token: {_detail(resp)} {_GET_READER}")
    if resp.status_code >= 500:
        raise HubExportError(f"The hub at {url} had a problem (HTTP {resp.status_code}: {_detail(resp)}); "
                              "nothing was exported. Try again in a moment.")
    if resp.status_code == 404:
        raise HubExportError(f"The hub at {url} does not offer exports across stations (HTTP 404); nothing was "
                             "exported. Update the hub, or check sync.hub_url.")
    if resp.status_code >= 400:
        raise HubExportError(f"The hub rejected the export: {_detail(resp)} (HTTP {resp.status_code}).")
    try:
        rows = resp.json()["rows"]
        log = log_of(rows, w, operator, url)
        missing = {k for k, _h, _t in HUB_COLUMNS} - set(rows[0]) if rows else set()
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise HubExportError(f"The hub at {url} answered with something that is not a shift log; nothing was "
                              "exported. Is sync.hub_url the hub's address?") from exc
    if missing:
        raise HubExportError(f"The hub at {url} is older than this station (its rows lack {', '.join(sorted(missing))})"
                              "; nothing was exported. Update the hub.")
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

"""HTTP client of the hub (httpx). Turns every failure into one of three UserFacingErrors.

- HubUnreachable: network, timeout, TLS or a 5xx/503; nothing is lost, the outbox retries.
- HubRefused: the token is wrong, revoked, or belongs to another station (401/403).
- HubRejected: the hub refused the request itself (other 4xx); carries status and body.
The token goes only into the Authorization header: it is never logged or shown.
"""

from __future__ import annotations

import email.utils
import logging
import ssl
from typing import Any

import httpx

from station import __version__, clock, limits
from station.config import Config
from station.hub_trust import HubError, HubRefused, HubUnreachable, insecure, tls_verify
from station.i18n import _

STATION_TIME = "X-Station-Time"

# httpx logs every request at INFO; a sync pass would flood the station log with them.
logging.getLogger("httpx").setLevel(logging.WARNING)
log = logging.getLogger(__name__)
__all__ = ["HubClient", "HubError", "HubRefused", "HubRejected", "HubUnreachable", "insecure", "tls_verify"]


class HubRejected(HubError):
    def __init__(self, message: str, status: int, body: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def _detail(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return {"detail": resp.text[:200]}


class HubClient:
    """One connection pool to the hub; safe to share between threads."""

    def __init__(self, url: str, token: str, *, verify: bool | ssl.SSLContext = True, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not url:
            raise HubError(_("No hub is configured (sync.hub_url is empty); sync is off."))
        if not token:
            raise HubRefused(_("This station has no hub token (sync.token is empty). Ask for one with "
                               "'station hub create-station <station id>' and put it in sync.token."))
        self.url = url.rstrip("/")
        self.clock_skew_s: float | None = None
        self.backlog: int | None = None  # outbox rows still to send, told to the hub with each sync call
        self._http = httpx.Client(
            base_url=self.url, verify=verify, timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Authorization": f"Bearer {token}", "User-Agent": f"triage-station/{__version__}"},
            transport=transport,
        )

    @classmethod
    def from_config(cls, config: Config, **kw: Any) -> HubClient:
        url = config.get_str("sync.hub_url")
        return cls(url, config.get_str("sync.token"), verify=tls_verify(config, url), **kw)

    def __repr__(self) -> str:  # never the token
        return f"HubClient({self.url})"

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {STATION_TIME: clock.iso(), **kw.pop("headers", {})}
        try:
            resp = self._http.request(method, path, headers=headers, **kw)
        except httpx.ConnectError as exc:
            if isinstance(exc.__context__, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY" in str(exc):
                raise HubUnreachable(
                    _("The hub at {url} presented a TLS certificate this station does not trust. Set "
                      "sync.ca_file to the CA that signed it, or have the hub's certificate fixed.").format(
                            url=self.url)
                ) from exc
            raise HubUnreachable(_("The hub at {url} cannot be reached ({exc}); work is kept and will be "
                                   "sent when it is back.").format(url=self.url, exc=exc)) from exc
        except httpx.TimeoutException as exc:
            raise HubUnreachable(_("The hub at {url} did not answer in time; work is kept and will be sent "
                                   "when it answers.").format(url=self.url)) from exc
        except httpx.TransportError as exc:
            raise HubUnreachable(_("The connection to the hub at {url} failed ({name}); work is kept and "
                                   "will be sent again.").format(url=self.url, name=type(exc).__name__)) from exc
        self._note_clock(resp)
        if resp.status_code >= 500:
            raise HubUnreachable(_("The hub at {url} had a problem (HTTP {status_code}); work is kept and "
                                   "will be sent again.").format(url=self.url, status_code=resp.status_code))
        if resp.status_code == 429:
            raise HubUnreachable(_("The hub at {url} is busy and asked this station to slow down; work is "
                                   "kept and will be sent on the next pass.").format(url=self.url))
        if resp.status_code in (401, 403):
            detail = _detail(resp).get("detail", "")
            raise HubRefused(_("The hub refused this station: {detail} Ask a supervisor to check sync.token.").format(
                    detail=detail))
        if resp.status_code >= 400:
            body = _detail(resp)
            raise HubRejected(_("{detail} (HTTP {status_code})").format(
                    detail=body.get('detail', ''), status_code=resp.status_code), resp.status_code, body)
        return resp

    def _note_clock(self, resp: httpx.Response) -> None:
        """Station clock minus the hub's, from the reply's Date header (whole seconds, good enough to warn)."""
        try:
            hub_time = email.utils.parsedate_to_datetime(resp.headers["date"])
        except (KeyError, TypeError, ValueError):
            return
        self.clock_skew_s = round((clock.now() - hub_time).total_seconds(), 1)

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/v1/health").json()

    def me(self) -> dict[str, Any]:
        return self._call("GET", "/v1/stations/me", headers=self._status()).json()

    def _status(self) -> dict[str, str]:
        """This station's version and outbox backlog, which the hub shows on its stations page."""
        return {limits.STATION_VERSION_HEADER: __version__,
                **({limits.STATION_BACKLOG_HEADER: str(min(self.backlog, limits.STATION_BACKLOG_MAX))}
                   if self.backlog is not None else {})}

    def own_events(self, after: int, limit: int = 1000) -> dict[str, Any]:
        """This station's chain as the hub holds it, from event #after+1 (GET /v1/stations/me/events)."""
        return self._call("GET", "/v1/stations/me/events", params={"after": after, "limit": limit}).json()

    def post_events(self, station: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "/v1/events", json={"station": station, "events": events},
                          headers=self._status()).json()

    def post_encoded(self, body: bytes) -> dict[str, Any]:
        """POST /v1/events with a batch already written to JSON (outbox.encode_batch)."""
        return self._call("POST", "/v1/events", content=body,
                          headers={"Content-Type": "application/json", **self._status()}).json()

    def blob_states(self, shas: list[str]) -> dict[str, dict[str, Any]]:
        if not shas:
            return {}
        reply = self._call("POST", "/v1/blobs/query", json={"sha256": shas}).json()
        return {b["sha256"]: b for b in reply["blobs"]}

    def put_chunk(self, sha256: str, offset: int, total: int, data: bytes) -> dict[str, Any]:
        resp = self._call("PUT", f"/v1/blobs/{sha256}", params={"offset": offset, "total": total}, content=data,
                          headers={"Content-Type": "application/octet-stream"})
        return resp.json()

    def config_index(self) -> list[dict[str, Any]]:
        return self._call("GET", "/v1/config").json()["documents"]

    def config_document(self, kind: str, name: str, version: int | None = None) -> dict[str, Any]:
        params = {"version": version} if version else None
        return self._call("GET", f"/v1/config/{kind}/{name}", params=params).json()

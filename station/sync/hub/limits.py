"""The hub's front door: the token, the rate and the body size are checked before a body is read.

A request's body is read only after its token is known to the hub, its station is under
its rate, and its declared size fits the route. A body without a declared size is read
up to the route's limit and no further; a body that trickles in slower than the read
timeout is dropped. So an unauthenticated or oversized request costs the hub a header
parse and a token lookup, never the memory of its body. Every request leaves one line in
the access log (logger station.hub.access).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool

from station.sync.hub import auth
from station.sync.hub.db import HubStore

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# One JSON line per request: who, what, how it ended, how big, how long. Never a token, a query or a body.
access = logging.getLogger("station.hub.access")
KiB, MiB = 1024, 1024 * 1024
PUBLIC = frozenset({"/v1/health"})  # the only API route that answers without a token
# The web console (a session cookie, checked by its own routes) and the public certificate check (no
# sign-in at all): no bearer token, but the same body limits, and a rate per client address.
BROWSER = ("/console", "/verify")


@dataclass(frozen=True)
class Limits:
    """Sizes and rates one hub process enforces. Bodies per route: the longest matching prefix wins."""

    bodies: tuple[tuple[str, str, int], ...] = (
        ("POST", "/v1/events", 16 * MiB),
        ("PUT", "/v1/blobs/", 16 * MiB + 64 * KiB),
        ("POST", "/v1/blobs/query", 1 * MiB),
        ("POST", "/verify", 12 * MiB),  # an uploaded certificate PDF
    )
    default_body: int = 64 * KiB
    read_timeout_s: float = 30.0  # between two pieces of a body
    rate_per_s: float = 200.0  # requests per station (or reader token) per second, sustained
    burst: int = 400
    browser_rate_per_s: float = 5.0  # console pages per client address
    browser_burst: int = 120
    verify_rate_per_s: float = 0.5  # public certificate checks per client address: no scraping of the hub
    verify_burst: int = 20

    def body_limit(self, method: str, path: str) -> int:
        best, limit = -1, self.default_body
        for m, prefix, size in self.bodies:
            if m == method and path.startswith(prefix) and len(prefix) > best:
                best, limit = len(prefix), size
        return limit


@dataclass
class _Bucket:
    tokens: float
    at: float = field(default_factory=time.monotonic)


class RateLimiter:
    """A token bucket per caller, in this process (each hub instance limits on its own)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, _Bucket] = {}

    def take(self, who: str) -> float:
        """0 when the request may go ahead, else the seconds to wait."""
        now = time.monotonic()
        b = self._buckets.get(who)
        if b is None:
            if len(self._buckets) > 10_000:  # callers are known tokens, but stay bounded anyway
                self._buckets.clear()
            b = self._buckets[who] = _Bucket(float(self.burst), now)
        b.tokens = min(float(self.burst), b.tokens + (now - b.at) * self.rate)
        b.at = now
        if b.tokens >= 1.0:
            b.tokens -= 1.0
            return 0.0
        return (1.0 - b.tokens) / self.rate


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k.lower() == name:
            return bytes(v).decode("latin-1")
    return None


def bearer(scope: Scope) -> str | None:
    value = _header(scope, b"authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def _answer(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close")]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class _Gone(Exception):
    pass


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class Guard:
    """ASGI middleware: authenticate, rate-limit, then read the body within its route's limit."""

    def __init__(self, app: ASGIApp, store: Callable[[], HubStore], limits: Limits | None = None) -> None:
        self.app, self.store = app, store
        self.limits = limits or Limits()
        self.rates = RateLimiter(self.limits.rate_per_s, self.limits.burst)
        self.browsers = RateLimiter(self.limits.browser_rate_per_s, self.limits.browser_burst)
        self.verifiers = RateLimiter(self.limits.verify_rate_per_s, self.limits.verify_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, seen = time.monotonic(), {"status": 0, "out": 0}

        async def counted(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                seen["status"] = msg["status"]
            elif msg["type"] == "http.response.body":
                seen["out"] += len(msg.get("body", b""))
            await send(msg)

        try:
            await self._guarded(scope, receive, counted)
        finally:
            who = scope.get("state", {}).get("principal")
            access.info(json.dumps({
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "station": who.station_id if who and who.station_id else None,
                "reader": who.name if who and not who.station_id else None,
                "method": scope["method"], "route": scope["path"], "status": seen["status"],
                "bytes_in": scope.get("state", {}).get("bytes_in", 0), "bytes_out": seen["out"],
                "ms": round((time.monotonic() - started) * 1000, 1),
            }))

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] in PUBLIC:
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(BROWSER):
            await self._browser(scope, receive, send)
            return
        token = bearer(scope)
        if token is None:
            await _answer(send, 401, "No token was sent. Send 'Authorization: Bearer <token>'.",
                          {"WWW-Authenticate": "Bearer"})
            return
        try:
            who = await run_in_threadpool(self._authenticate, token)
        except auth.AuthError as exc:
            await _answer(send, 401, str(exc), {"WWW-Authenticate": "Bearer"})
            return
        except (OperationalError, PoolTimeout):
            await _answer(send, 503, "The hub's database is unavailable; retry in a moment.", {"Retry-After": "5"})
            return
        scope.setdefault("state", {})["principal"] = who
        wait = self.rates.take(who.station_id or f"{who.role}:{who.name}")
        if wait:
            await _answer(send, 429, "Too many requests from this station; slow down and retry.",
                          {"Retry-After": str(max(1, round(wait)))})
            return
        await self._within_limit(scope, receive, send)

    async def _browser(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = (scope.get("client") or ("unknown",))[0]
        # static files cost nothing and a page needs them: only pages and checks are counted
        if not scope["path"].startswith("/console/static/"):
            limiter = self.verifiers if scope["path"].startswith("/verify") else self.browsers
            wait = limiter.take(f"ip:{client}")
            if wait:
                await _answer(send, 429, "Too many requests from this address; wait a little and retry.",
                              {"Retry-After": str(max(1, round(wait)))})
                return
        scope.setdefault("state", {})
        await self._within_limit(scope, receive, send)

    async def _within_limit(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.body_limit(scope["method"], scope["path"])
        declared = _header(scope, b"content-length")
        try:
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                raise _Refused(413, f"This request may carry at most {limit} bytes.")
            messages = await self._read(receive, limit)
        except _Refused as exc:
            await _answer(send, exc.status, exc.detail)
            return
        except _Gone:
            return
        scope["state"]["bytes_in"] = sum(len(m.get("body", b"")) for m in messages)
        await self.app(scope, _replay(messages, receive), send)

    def _authenticate(self, token: str) -> auth.Principal:
        return self.store().lookup(lambda conn: auth.authenticate(conn, token))

    async def _read(self, receive: Receive, limit: int) -> list[Message]:
        messages, total = [], 0
        while True:
            try:
                msg = await asyncio.wait_for(receive(), self.limits.read_timeout_s)
            except TimeoutError:
                raise _Refused(408, "The request body arrived too slowly; send it again.") from None
            if msg["type"] != "http.request":
                raise _Gone  # the client went away mid-body: nothing to answer, nothing to run
            total += len(msg.get("body", b""))
            if total > limit:
                raise _Refused(413, f"This request may carry at most {limit} bytes.")
            messages.append(msg)
            if not msg.get("more_body", False):
                return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def again() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()  # after the body: only a disconnect can come

    return again

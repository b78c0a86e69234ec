"""The hub's front door: token before body, bounded bodies per route, a size per event, a rate per station.

Memory is read from /proc/PID/status of the real `station hub serve` process while a
300 MB body is pushed at it over a plain socket.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from station.sync.hub.limits import Limits, RateLimiter
from tests.sync.factory import ThreadHub

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]
MiB = 1024 * 1024


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _tree_rss(pid: int) -> float:
    """The hub process and its children (uvicorn workers), summed."""
    total = rss_mib(pid)
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        total += _tree_rss(int(child))
    return total


def push(port: int, path: str, size: int, headers: dict[str, str], chunked: bool = False) -> bytes:
    """Send `size` bytes of body (without holding them) and return what the hub answered."""
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    block = b"[" * MiB
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sent = 0
        try:
            while sent < size:
                piece = block[: min(MiB, size - sent)]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the hub answered early and closed: that is the point
        try:
            return sock.recv(4096)
        except (ConnectionResetError, TimeoutError):
            return b""


@pytest.mark.usefixtures("tokens")
def test_an_oversized_unauthenticated_post_leaves_the_hub_memory_flat(hub_process):
    pid = hub_process.proc.pid
    before = _tree_rss(pid)
    threads = [threading.Thread(target=push, args=(hub_process.port, "/v1/events", 300 * MiB, {}))
               for _ in range(3)]
    for t in threads:
        t.start()
    peak = before
    while any(t.is_alive() for t in threads):
        peak = max(peak, _tree_rss(pid))
        time.sleep(0.05)
    assert peak - before < 40, f"hub grew from {before:.0f} to {peak:.0f} MiB"
    answer = push(hub_process.port, "/v1/events", 300 * MiB, {})
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_an_authenticated_body_over_the_route_limit_is_refused_before_it_is_read(hub_process, tokens):
    token = tokens.station("bench-1")
    pid = hub_process.proc.pid
    before = _tree_rss(pid)
    declared = push(hub_process.port, "/v1/events", 300 * MiB, {"Authorization": f"Bearer {token}"})
    assert declared.startswith(b"HTTP/1.1 413"), declared[:200]
    chunked = push(hub_process.port, "/v1/events", 300 * MiB, {"Authorization": f"Bearer {token}"}, chunked=True)
    assert chunked.startswith(b"HTTP/1.1 413"), chunked[:200]
    assert _tree_rss(pid) - before < 60


def test_a_body_that_trickles_in_is_dropped(hub_db, tokens):
    hub = ThreadHub(hub_db, limits=Limits(read_timeout_s=0.5)).start()
    try:
        with socket.create_connection(("127.0.0.1", hub.port), timeout=10) as sock:
            sock.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                         + f"Authorization: Bearer {tokens.station('bench-1')}\r\n\r\n".encode() + b"{")
            assert sock.recv(4096).startswith(b"HTTP/1.1 408")
    finally:
        hub.stop()


def test_one_event_over_its_size_limit_is_refused_by_the_schema(hub, tokens):
    from station.events import GENESIS, event_hash
    from station.limits import EVENT_PAYLOAD_MAX

    body = {"seq": 1, "station": "bench-1", "unit": None, "kind": "unit.scanned", "operator": None,
            "operator_id": None, "payload": {"note": "x" * EVENT_PAYLOAD_MAX}, "at": "2026-01-01T00:00:00.000000Z"}
    event = {**body, "prev_hash": GENESIS, "hash": event_hash(GENESIS, body)}
    r = httpx.post(f"{hub.url}/v1/events", json={"station": "bench-1", "events": [event]},
                   headers={"Authorization": f"Bearer {tokens.station('bench-1')}"})
    assert r.status_code == 200
    assert r.json()["results"][0]["status"] == "refused" and "payload" in r.json()["results"][0]["detail"]


def test_a_station_over_its_rate_gets_429_and_another_station_does_not(hub_db, tokens):
    hub = ThreadHub(hub_db, limits=Limits(rate_per_s=1.0, burst=3)).start()
    a = {"Authorization": f"Bearer {tokens.station('bench-a')}"}
    b = {"Authorization": f"Bearer {tokens.station('bench-b')}"}
    try:
        codes = [httpx.get(f"{hub.url}/v1/stations/me", headers=a).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
        assert httpx.get(f"{hub.url}/v1/stations/me", headers=b).status_code == 200
    finally:
        hub.stop()


def test_rate_limiter_refills_over_time():
    rl = RateLimiter(rate=1000.0, burst=1)
    assert rl.take("a") == 0 and rl.take("a") > 0
    time.sleep(0.01)
    assert rl.take("a") == 0


def test_docs_and_schema_need_a_token(hub, tokens):
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert httpx.get(hub.url + path).status_code == 401, path
    r = httpx.get(hub.url + "/openapi.json", headers={"Authorization": f"Bearer {tokens.reader('sue')}"})
    assert r.status_code == 200 and r.json()["info"]["title"]


def test_every_request_leaves_one_json_access_line_without_secrets(hub, tokens, caplog):
    import json
    import logging

    token = tokens.station("bench-1")
    with caplog.at_level(logging.INFO, logger="station.hub.access"):
        assert httpx.get(f"{hub.url}/v1/stations/me", headers={"Authorization": f"Bearer {token}"}).is_success
        assert httpx.post(f"{hub.url}/v1/events", json={"station": "bench-1", "events": []},
                          headers={"Authorization": "Bearer sth_wrong"}).status_code == 401
        assert httpx.get(f"{hub.url}/v1/health").is_success
        deadline = time.monotonic() + 5  # a line is written once its response went out
        while sum(r.name == "station.hub.access" for r in caplog.records) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "station.hub.access"]
    assert [(x["route"], x["status"], x["station"]) for x in lines] == [
        ("/v1/stations/me", 200, "bench-1"), ("/v1/events", 401, None), ("/v1/health", 200, None)]
    assert all({"time", "method", "bytes_in", "bytes_out", "ms"} <= set(x) for x in lines)
    assert lines[0]["bytes_out"] > 0
    assert not any(token in r.getMessage() or "sth_wrong" in r.getMessage() for r in caplog.records)

"""Fuzz the hub's HTTP API from its own OpenAPI schema (schemathesis, bounded examples).

For every operation and every generated request (valid and invalid): no 5xx, whether
sent without a token, with a station token or with a reader token; and without a valid
token no write is ever accepted: nothing reaches the database.
"""

from __future__ import annotations

import hashlib
import itertools
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import func, select

from station.sync.hub import auth
from station.sync.hub.app import create_app
from station.sync.hub.db import HubStore
from station.sync.hub.models import HubBlob, HubBlobUpload, HubEvent, HubIncident
from tests.sync.factory import ThreadHub

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
READ_ONLY_POSTS = {"/v1/blobs/query"}
BAD_AUTH = (None, "Bearer sth_forged-token", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer rdh_" + "A" * 43)
_rotation = itertools.count()


# The API does not depend on the database, so the schema is read from an app built before any
# database exists; the requests go over HTTP to a real hub on its own fresh database.
_openapi = create_app("postgresql://fuzz@127.0.0.1:9/unused").openapi()
schema = schemathesis.openapi.from_dict(_openapi)
READER_PATHS = {p for p, ops in _openapi["paths"].items() if any("reader" in o.get("tags", []) for o in ops.values())}
schema.config.phases.coverage.enabled = False  # its exhaustive boundary cases cost minutes here


@pytest.fixture(scope="module")
def fuzz_hub(pg, hub_template, seaweed):
    url = pg.create_database("hub_fuzz", template=hub_template)
    store = HubStore(url, pool_size=2)
    with store.session() as s:
        tokens = {"station": auth.create_station(s, "fuzz-bench"), "reader": auth.create_reader(s, "fuzz-reader")}
    server = ThreadHub(url, s3=seaweed.settings(prefix="hub_fuzz/")).start()
    yield server.url, tokens, store
    server.stop()
    store.close()


def _stored(store: HubStore) -> tuple[int, ...]:
    with store.session() as s:
        return tuple(s.execute(select(*(select(func.count()).select_from(t).scalar_subquery() for t in
                                        (HubEvent, HubBlob, HubBlobUpload, HubIncident)))).one())


@schema.parametrize()
@settings(max_examples=10, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_hub_api_never_fails_and_never_accepts_an_unauthenticated_write(case, fuzz_hub):
    base_url, tokens, store = fuzz_hub
    writes = case.method.upper() in WRITES and case.path not in READ_ONLY_POSTS
    before = _stored(store) if writes else None
    response = _call(case, base_url, BAD_AUTH[next(_rotation) % len(BAD_AUTH)])
    if writes:
        assert not 200 <= response.status_code < 300, (case.method, case.path, response.status_code)
        assert _stored(store) == before  # nothing written without a valid token
    role = "reader" if case.path in READER_PATHS else "station"
    _call(case, base_url, f"Bearer {tokens[role]}")


def _call(case, base_url: str, authorization: str | None):
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    if authorization:
        headers["Authorization"] = authorization
    case.headers = headers
    return case.call_and_validate(base_url=base_url, checks=[not_a_server_error], timeout=30)


def _event_batch(n: int) -> dict[str, object]:
    """n chained events of the calling station, each with a payload of exactly the largest size allowed."""
    from station.events import GENESIS, event_hash
    from station.limits import EVENT_PAYLOAD_MAX

    prev, out = GENESIS, []
    for seq in range(1, n + 1):
        body = {"seq": seq, "station": "fuzz-bench", "unit": None, "kind": "unit.scanned", "operator": None,
                "operator_id": None, "payload": {"note": "x" * (EVENT_PAYLOAD_MAX - len('{"note":""}'))},
                "at": "2026-01-01T00:00:00.000000Z"}
        prev = event_hash(prev, body)
        out.append({**body, "prev_hash": out[-1]["hash"] if out else GENESIS, "hash": prev})
    return {"station": "fuzz-bench", "events": out}


def _bodies_at_the_limits(method: str, path: str) -> list[tuple[str, dict[str, object], object]]:
    """(what, query, body) at each write route's body limit and just over it."""
    from station.limits import EVENT_PAYLOAD_MAX
    from station.sync.hub.blobstore import MAX_CHUNK
    from station.sync.hub.limits import Limits

    limit = Limits().body_limit(method.upper(), path.replace("{sha256}", "0" * 64))
    if path == "/v1/events":
        fits = (limit - 1024) // (EVENT_PAYLOAD_MAX + 400)  # an event is its payload plus about 300 bytes
        return [("batch under the limit", {}, _event_batch(fits)), ("batch over it", {}, _event_batch(fits + 8))]
    if path == "/v1/blobs/{sha256}":
        chunk = os.urandom(MAX_CHUNK)
        return [("largest chunk", {"offset": 0, "total": MAX_CHUNK}, chunk),
                ("chunk at the route limit", {"offset": 0, "total": limit}, chunk + b"\0" * (limit - MAX_CHUNK)),
                ("chunk over it", {"offset": 0, "total": limit + 1}, chunk + b"\0" * (limit + 1 - MAX_CHUNK))]
    if path == "/v1/blobs/query":
        n = (limit - 64) // 67  # '"<64 hex>",'
        return [("query at the limit", {}, {"sha256": ["a" * 64] * n}),
                ("query over it", {}, {"sha256": ["a" * 64] * (n + 16)})]
    return [("padded body at the limit", {}, {"pad": "x" * (limit - 16)}),
            ("padded body over it", {}, {"pad": "x" * (limit + 16)})]


def test_bodies_up_to_each_route_limit_never_fail_and_never_write_without_a_token(fuzz_hub):
    """The schema's write operations with the largest bodies they may carry, and just over: no 5xx, and
    without a valid token nothing is stored (hypothesis alone never comes near 16 MiB)."""
    base_url, tokens, store = fuzz_hub
    sha = None
    for result in schema.get_all_operations():
        op = result.ok()
        if op.method.upper() not in WRITES:
            continue
        for what, query, body in _bodies_at_the_limits(op.method, op.path):
            if isinstance(body, bytes):
                sha = hashlib.sha256(body).hexdigest()
            media = "application/octet-stream" if isinstance(body, bytes) else "application/json"
            params = {"sha256": sha or "0" * 64} if "{sha256}" in op.path else {}
            for authorization in (None, "Bearer sth_forged-token", f"Bearer {tokens['reader']}",
                                  f"Bearer {tokens['station']}"):
                before = _stored(store)
                case = op.Case(path_parameters=params, query=query, body=body, media_type=media)
                response = _call(case, base_url, authorization)
                if authorization != f"Bearer {tokens['station']}" and op.path not in READ_ONLY_POSTS:
                    assert not 200 <= response.status_code < 300, (op.path, what, authorization)
                    assert _stored(store) == before, (op.path, what)
                if authorization is None or "forged" in authorization:
                    assert response.status_code == 401, (op.path, what)  # refused before the body is read
                elif "over" in what:
                    assert response.status_code == 413, (op.path, what, authorization, response.status_code)

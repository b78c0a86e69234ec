"""Fuzz the hub's HTTP API from its own OpenAPI schema (schemathesis, bounded examples).

For every operation and every generated request (valid and invalid): no 5xx, whether
sent without a token, with a station token or with a reader token; and without a valid
token no write is ever accepted: nothing reaches the database.
"""

from __future__ import annotations

import itertools

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

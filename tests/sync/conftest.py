"""Sync fixtures: a real PostgreSQL for the session, a fresh hub database per test, and hubs on HTTP.

The server is Debian's PostgreSQL started in a temp dir (as the postgres user when the
suite runs as root). Each test gets its own database cloned from a migrated template.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from station.context import StationContext, open_station
from station.sync.hub import auth
from station.sync.hub.db import HubStore, migrate
from station.sync.hub.objects import S3Settings
from tests.sync.factory import HubProcess, ThreadHub, write_station_config
from tests.sync.pgserver import PostgresServer, free_port
from tests.sync.seaweed import SeaweedServer

pytestmark = pytest.mark.postgres
_dbs = itertools.count()


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def seaweed() -> Iterator[SeaweedServer]:
    """One SeaweedFS S3 server for the session; each test gets its own key prefix in its bucket."""
    server = SeaweedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3(seaweed: SeaweedServer, hub_db: str) -> S3Settings:
    return seaweed.settings(prefix=hub_db.rsplit("/", 1)[1] + "/")


@pytest.fixture(scope="session")
def hub_template(pg: PostgresServer) -> str:
    url = pg.create_database("hub_template")
    store = HubStore(url, pool_size=1)
    migrate(store.engine)
    store.close()
    return "hub_template"


@pytest.fixture
def hub_db(pg: PostgresServer, hub_template: str) -> str:
    """URL of a fresh, migrated hub database for this test."""
    return pg.create_database(f"hub_{next(_dbs)}", template=hub_template)


@pytest.fixture
def hub_store(hub_db: str) -> Iterator[HubStore]:
    store = HubStore(hub_db, pool_size=2)
    yield store
    store.close()


@pytest.fixture
def hub(hub_db: str, s3: S3Settings) -> Iterator[ThreadHub]:
    h = ThreadHub(hub_db, s3=s3).start()
    yield h
    h.stop()


@pytest.fixture
def hub_process(hub_db: str, s3: S3Settings, tmp_path: Path) -> Iterator[HubProcess]:
    h = HubProcess(hub_db, free_port(), tmp_path, s3=s3).start()
    yield h
    h.stop()


@dataclass
class Tokens:
    station: Callable[[str], str]
    reader: Callable[[str], str]


@pytest.fixture
def tokens(hub_store: HubStore) -> Tokens:
    def station(name: str) -> str:
        with hub_store.session() as s:
            return auth.create_station(s, name)

    def reader(name: str) -> str:
        with hub_store.session() as s:
            return auth.create_reader(s, name)

    return Tokens(station, reader)


@pytest.fixture
def make_station(tmp_path: Path) -> Iterator[Callable[..., StationContext]]:
    """make_station(station_id, hub_url, token, **settings) -> an opened station synced to that hub."""
    opened: list[StationContext] = []

    def make(station_id: str, hub_url: str, token: str, **settings: object) -> StationContext:
        data = tmp_path / f"station-{station_id}-{len(opened)}"
        write_station_config(data, station_id, hub_url, token, **settings)
        ctx = open_station(data)
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()

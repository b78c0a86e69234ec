"""The hub's own Alembic migrations: they build exactly the models' schema, once, under concurrency."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from station.sync.hub.db import VERSION_TABLE, current_revision, head_revision, make_engine, migrate
from station.sync.hub.models import HubBase

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def test_migrations_build_exactly_the_models_schema(hub_db):
    engine = make_engine(hub_db)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}),
                                    HubBase.metadata)
        assert diff == []
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_instances_starting_together_migrate_an_empty_database_once(pg):
    url = pg.create_database("hub_concurrent_start")
    errors: list[BaseException] = []

    def start() -> None:
        engine = make_engine(url, pool_size=1)
        try:
            migrate(engine)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_an_unreachable_database_is_a_clear_error():
    from station.errors import ConfigError, StoreError

    with pytest.raises(StoreError, match="cannot be reached"):
        migrate(make_engine("postgresql://nobody@127.0.0.1:9/none"))
    with pytest.raises(ConfigError, match="needs PostgreSQL"):
        make_engine("sqlite:///hub.db")
    with pytest.raises(ConfigError, match="No hub database is configured"):
        make_engine("")

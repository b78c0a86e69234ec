"""The hub's engine, sessions and Alembic migrations (its own, separate from the station's).

Instances hold nothing but a connection pool. Migrations take a PostgreSQL advisory lock
so that several instances starting together upgrade the schema exactly once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from station.errors import ConfigError, StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "hub_alembic_version"
ENV_DATABASE_URL = "STATION_HUB_DATABASE_URL"
_MIGRATION_LOCK = 0x5EC7_10B5  # any constant shared by every hub instance
T = TypeVar("T")


def normalise_url(url: str) -> str:
    """Accept postgresql:// and postgres:// URLs and use the psycopg (3) driver for them."""
    if not url:
        raise ConfigError(
            f"No hub database is configured. Set {ENV_DATABASE_URL}, the hub.database_url setting, "
            "or pass --database-url postgresql://user@host/db."
        )
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> Engine:
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as exc:
        raise ConfigError(f"The hub database URL is not valid ({exc}). Use postgresql://user@host/db.") from exc
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(f"The hub needs PostgreSQL, not {parsed.get_backend_name()}. Use postgresql://user@host/db.")
    # pre_ping: after a database restart, stale pooled connections are replaced, not handed out.
    # No pre-ping: it costs a round trip on every checkout, and a hub request checks out twice. A connection
    # that died with a database restart fails its first statement instead; SQLAlchemy then drops every pooled
    # connection older than that failure, and the token lookup (the first statement of any station request)
    # tries once more on a fresh one (HubStore.lookup).
    return create_engine(parsed, pool_size=pool_size, max_overflow=max_overflow)


def database_url_from_env(explicit: str | None = None, setting: str = "") -> str:
    return explicit or os.environ.get(ENV_DATABASE_URL) or setting


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://"))).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def migrate(engine: Engine) -> None:
    """Bring the hub schema to head, once, even when many instances start at the same moment."""
    try:
        with engine.connect() as lock_conn:
            lock_conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
            try:
                command.upgrade(alembic_config(engine), "head")
            finally:
                lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                lock_conn.commit()
    except OperationalError as exc:
        raise StoreError(
            f"The hub database at {engine.url.render_as_string(hide_password=True)} cannot be reached "
            f"({exc.orig}). Check that PostgreSQL is running and the URL is right."
        ) from exc


class HubStore:
    """The hub database: an engine and short transactions."""

    def __init__(self, url: str, *, pool_size: int = 5, max_overflow: int = 10) -> None:
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # statements that need no transaction (one read, or one idempotent write): no BEGIN and no COMMIT
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commits on success, rolls back on any error."""
        with self._sessions() as s, s.begin():
            yield s

    def lookup(self, fn: Callable[[Connection], T]) -> T:
        """fn on a connection in autocommit: for a read and at most one idempotent write, so it may run twice.
        A connection that died with a database restart fails here first; the pool has then dropped the
        other stale ones, and fn runs again on a fresh connection instead of answering 503."""
        try:
            with self._autocommit.connect() as conn:
                return fn(conn)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        with self._autocommit.connect() as conn:
            return fn(conn)

    def close(self) -> None:
        self.engine.dispose()

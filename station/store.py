"""Engine and sessions for the local SQLite store, and its Alembic migrations.

Pragmas, chosen on purpose:
- journal_mode=WAL: readers (panels, exports) never block the single writer.
- synchronous=FULL: every commit is fsynced, WAL included, before it returns. A wipe
  certificate or an intake event the technician saw "saved" must survive a power cut,
  not just a killed process; NORMAL would survive kill -9 but may lose the last
  commits on power loss. The bench writes a few rows a minute, so the cost is noise.
- foreign_keys=ON, busy_timeout=5000: CLI and GUI may write at once; wait, don't fail.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from station.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).with_name("migrations")


def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy's BEGIN (below) decide transactions, not the sqlite3 module.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _begin_immediate(conn) -> None:  # type: ignore[no-untyped-def]
    # IMMEDIATE takes the write lock up front, so the hash chain's "read last hash,
    # append" can never interleave between two processes.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(conn) -> None:  # type: ignore[no-untyped-def]
    conn.exec_driver_sql("BEGIN")


def make_engine(db_path: Path, *, writer: bool = True) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}")
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _begin_immediate if writer else _begin_deferred)
    return engine


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


_REV = re.compile(r"^(down_revision|revision)\s*=\s*(.+)$", re.MULTILINE)


def head_revision() -> str:
    """The newest migration, read from the files without importing Alembic (it costs
    a quarter of a second at every start, and the schema is current nearly always)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        fields = dict(_REV.findall(path.read_text()))
        revisions.add(fields["revision"].strip("'\""))
        down = fields.get("down_revision", "None")
        parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down))
    heads = revisions - parents
    if len(heads) != 1:
        raise StoreError(f"The station's migrations have {len(heads)} heads ({sorted(heads)}); reinstall the station.")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).first():
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _create_fresh(engine: Engine) -> bool:
    """An empty database gets the head schema straight from the models, stamped at head.

    Same result as replaying every migration (a test compares the two), without loading
    Alembic on a bench's first start."""
    from station.models import Base

    with engine.begin() as conn:
        if conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type='table'").scalar():
            return False
        Base.metadata.create_all(conn)
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                             "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
        conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES (?)", (head_revision(),))
    return True


def migrate(engine: Engine, *, fresh_from_models: bool = True) -> None:
    """Bring the schema to head. Runs at every start; a no-op when current."""
    try:
        if current_revision(engine) == head_revision():
            return
        if fresh_from_models and _create_fresh(engine):
            return
        from alembic import command

        command.upgrade(alembic_config(engine), "head")
    except (DatabaseError, OperationalError) as exc:
        raise StoreError(
            f"The station database {engine.url.database} could not be migrated ({exc.orig}). "
            "Run 'station db check' and restore from backup if it reports damage."
        ) from exc


class Store:
    """The opened, migrated database with a session factory."""

    def __init__(self, db_path: Path, *, run_migrations: bool = True) -> None:
        self.path = db_path
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(db_path)
        if run_migrations:
            migrate(self.engine)
        self.read_engine = make_engine(db_path, writer=False)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commits on success, rolls back on any error."""
        with self._sessions() as s, s.begin():
            yield s

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only session that takes no write lock."""
        with self._readers() as s:
            yield s

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


@dataclass
class HealthReport:
    ok: bool
    lines: list[str]


def check(db_path: Path) -> HealthReport:
    """Integrity check + migration state, for `station db check`. Never raises on damage."""
    lines: list[str] = []
    if not db_path.exists():
        return HealthReport(False, [f"No database at {db_path}. Start the station once to create it."])
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return HealthReport(
            False,
            [f"{db_path} is not a readable station database ({exc}). Restore it from backup, "
             "or move it aside to start an empty one."],
        )
    ok = rows == ["ok"] and not fk
    lines.append("integrity: ok" if rows == ["ok"] else "integrity: DAMAGED: " + "; ".join(rows[:5]))
    if fk:
        lines.append(f"foreign keys: {len(fk)} broken references")
    engine = create_engine(f"sqlite:///file:{db_path}?mode=ro&uri=true")
    try:
        cur = current_revision(engine)
    except DatabaseError as exc:
        return HealthReport(False, [*lines, f"migration state unreadable: {exc.orig}"])
    finally:
        engine.dispose()
    head = head_revision()
    if cur == head:
        lines.append(f"schema: {cur} (current)")
    else:
        ok = False
        lines.append(f"schema: {cur or 'none'}, expected {head}. Start the station to migrate.")
    return HealthReport(ok, lines)

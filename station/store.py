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

import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from station import chainhead, paths
from station.errors import StoreError
from station.i18n import _

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

    from station.dbcheck import HealthReport

MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger(__name__)


def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy's BEGIN (below) decide transactions, not the sqlite3 module.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _begin_immediate(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so the hash chain's "read last hash,
    # append" can never interleave between two processes.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(conn: Connection) -> None:
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
        raise StoreError(_("The station's migrations have {count} heads ({heads}); reinstall the station.").format(
                count=len(heads), heads=sorted(heads)))
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
            _require_tables(engine)
            return
        if fresh_from_models and _create_fresh(engine):
            return
        from alembic import command

        command.upgrade(alembic_config(engine), "head")
    except (DatabaseError, OperationalError) as exc:
        if isinstance(exc, OperationalError):  # the disk or a lock, not the file's contents
            raise store_error(Path(str(engine.url.database)), exc, saved=None) from exc
        raise StoreError(
            _("The station database {database} could not be migrated ({orig}). Run 'station db check' and "
              "restore from backup if it reports damage.").format(database=engine.url.database, orig=exc.orig)
        ) from exc
    except Exception as exc:  # Alembic's own errors, e.g. a revision no migration knows
        from alembic.util import CommandError

        if not isinstance(exc, CommandError):
            raise
        raise StoreError(
            _("The station database {database} has a schema version this station does not know ({exc}). It "
              "was written by a newer station or altered by hand: run 'station db check', and use the "
              "station version that wrote it, or restore it from a backup.").format(
                    database=engine.url.database, exc=exc)
        ) from exc


def private(db_path: Path) -> None:
    """The database holds PIN hashes and the station's history: readable by the station's user only
    (and its group on a shared bench).

    SQLite creates the file with the process umask (often 0644) and gives the -wal and -shm files the
    database's mode, so tightening the database once keeps all three private."""
    allowed = paths.private_mode(db_path.parent)  # the group's too on a shared bench's data dir
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        try:
            mode = path.stat().st_mode & 0o777
            # SQLite creates files 0644 whatever the umask: a shared bench's group must also be able to write.
            if mode & ~allowed or (allowed & 0o060 and mode != allowed):
                os.chmod(path, allowed)
        except OSError:
            continue  # absent (-wal, -shm) or not ours: the check reports what matters


def _require_tables(engine: Engine) -> None:
    """Every table of the models exists: a table dropped by hand stops the station here, not mid-shift."""
    from station.models import Base

    with engine.connect() as conn:
        have = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    lacking = sorted(set(Base.metadata.tables) - have)
    if lacking:
        raise StoreError(
            _("The station database {database} lacks the table(s) {lacking}: it was changed outside the "
              "station. Run 'station db check', then restore station.sqlite3 from a backup.").format(
                    database=engine.url.database, lacking=', '.join(lacking))
        )


def _refuse_to_replace(db_path: Path, anchor_path: Path) -> None:
    """Stop before an empty schema is created where the station's data used to be."""
    try:
        anchor = chainhead.read(anchor_path)
    except StoreError:
        anchor = None  # a damaged record is db check's to report; the database decides here
    had_events = anchor is not None and anchor.local is not None and anchor.local.seq > 0
    if db_path.exists() and db_path.stat().st_size == 0:
        raise StoreError(
            _("The station database {db_path} is empty (0 bytes): its data is gone, and the station will "
              "not start over on top of it. Restore station.sqlite3 from a backup; if this station never "
              "recorded anything, delete the empty file to start a new database.").format(db_path=db_path)
        )
    if had_events and anchor is not None and anchor.local is not None and not _has_tables(db_path):
        raise StoreError(
            _("The station database {db_path} is missing or holds no tables, but {name} records {seq} "
              "events on this station: the station will not start an empty database over them. Restore "
              "station.sqlite3 from a backup; to start a new, empty station here instead, move {name} aside.").format(
                    db_path=db_path, name=anchor_path.name, seq=anchor.local.seq)
        )


def _has_tables(db_path: Path) -> bool:
    if not db_path.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            return bool(conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return True  # damaged, not empty: opening it reports the damage


LOW_SPACE = 1 << 20  # SQLite reports a full disk as an I/O error when it cannot grow the -shm file


def _free_bytes(folder: Path) -> int:
    try:
        st = os.statvfs(folder)
    except OSError:
        return 1 << 62
    return st.f_bavail * st.f_frsize


def store_error(db_path: Path, exc: DatabaseError, *, saved: bool | None) -> StoreError:
    """The sentence for an SQLite failure: what happened to the database, and what to do."""
    text = str(exc.orig).lower()
    outcome = " Nothing was saved." if saved is False else ""
    if "full" in text or ("i/o" in text and _free_bytes(db_path.parent) < LOW_SPACE):
        why, todo = "the disk is full", "free some space (old logs, jobs or photos elsewhere) and try again"
    elif "locked" in text or "busy" in text:
        why, todo = "another program held it for more than 5 s", "close other station windows or commands and try again"
    elif "i/o" in text:
        why, todo = "the disk reported an I/O error", "check the disk and run 'station db check'"
    elif "readonly" in text or "read-only" in text:
        why, todo = "it can only be read", "check the data folder's permissions and free space"
    else:
        why, todo = f"{exc.orig}", "run 'station db check'"
    return StoreError(_("The station database {db_path} could not be used: {why}.{outcome} To go on, {todo}.").format(
            db_path=db_path, why=why, outcome=outcome, todo=todo))


class Store:
    """The opened, migrated database with a session factory."""

    def __init__(self, db_path: Path, *, run_migrations: bool = True) -> None:
        self.path = db_path
        self.anchor_path = chainhead.path_for(db_path)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        _refuse_to_replace(db_path, self.anchor_path)
        self.engine = make_engine(db_path)
        if run_migrations:
            migrate(self.engine)
        private(db_path)
        self._adopt_head()
        self.read_engine = make_engine(db_path, writer=False)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commits on success, rolls back on any error.

        When the transaction appended events, the chain's new head is recorded outside the
        database once it is committed (see chainhead)."""
        try:
            with self._sessions() as s, s.begin():
                yield s
                head = s.info.pop("chain_head", None)
                if head is not None and not self._anchor_holds(s):
                    head = None
        except IntegrityError:
            raise  # a broken constraint is a bug to fix, not a state of the disk
        except (OperationalError, DatabaseError) as exc:
            raise store_error(self.path, exc, saved=False) from exc
        if head is not None:
            try:
                chainhead.advance(self.anchor_path, head)
            except OSError as exc:  # the events are committed; the next commit records a newer head
                log.warning("chain head not recorded in %s: %s", self.anchor_path, exc)

    def _adopt_head(self) -> None:
        """A database from before the head record gets one, from its newest event."""
        if self.anchor_path.exists():
            return
        try:
            with self.engine.connect() as conn:
                last = conn.exec_driver_sql("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").first()
        except (DatabaseError, OperationalError):
            return  # not migrated yet (run_migrations=False), or damaged: db check says which
        if last is not None:
            try:
                chainhead.advance(self.anchor_path, chainhead.Head(int(last[0]), str(last[1])))
            except OSError as exc:
                log.warning("chain head not recorded in %s: %s", self.anchor_path, exc)

    def _anchor_holds(self, s: Session) -> bool:
        """Whether the database still has the head last recorded, so that recording a newer one hides nothing."""
        try:
            anchor = chainhead.read(self.anchor_path)
        except StoreError:
            return True  # damaged: replaced by this good head
        if anchor is None or anchor.local is None:
            return True
        stored = s.connection().exec_driver_sql("SELECT hash FROM events WHERE seq = ?", (anchor.local.seq,)).scalar()
        if stored == anchor.local.hash:
            return True
        log.warning("the chain no longer holds recorded head #%d: keeping that record for 'station db check'",
                    anchor.local.seq)
        return False

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only session that takes no write lock."""
        try:
            with self._readers() as s:
                yield s
        except IntegrityError:
            raise
        except (OperationalError, DatabaseError) as exc:
            raise store_error(self.path, exc, saved=None) from exc

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def check(db_path: Path) -> HealthReport:
    """`station db check`'s report (see station.dbcheck). Never raises on damage."""
    from station.dbcheck import check as full_check

    return full_check(db_path)

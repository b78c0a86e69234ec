"""The local store: migrations from empty, schema == models, pragmas, db check."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from station import store
from station.models import Base

FIXTURES = Path(__file__).parent / "fixtures" / "schemas"


def _schema(engine) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return sorted(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                                           " AND sql IS NOT NULL").all())


def test_replaying_every_migration_from_empty_matches_the_models(tmp_path: Path) -> None:
    engine = store.make_engine(tmp_path / "replayed.sqlite3")
    store.migrate(engine, fresh_from_models=False)  # the Alembic path, as an old database takes it
    assert store.current_revision(engine) == store.head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"migrations and models disagree: {diff}"
    fresh = store.Store(tmp_path / "fresh.sqlite3")  # a bench's first start: models, stamped at head
    assert store.current_revision(fresh.engine) == store.head_revision()
    with fresh.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert [n for n, _ in _schema(fresh.engine)] == [n for n, _ in _schema(engine)]
    engine.dispose()
    fresh.close()


def test_pragmas_are_wal_full_and_foreign_keys(tmp_path: Path) -> None:
    s = store.Store(tmp_path / "db.sqlite3")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    s.close()


def test_every_released_schema_fixture_migrates_to_head(tmp_path: Path) -> None:
    fixtures = sorted(FIXTURES.glob("*.sqlite3"))
    assert fixtures, "there must be one fixture per released schema"
    for fx in fixtures:
        db = tmp_path / fx.name
        shutil.copy(fx, db)
        s = store.Store(db)
        assert store.current_revision(s.engine) == store.head_revision(), fx.name
        with s.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == [], fx.name
        s.close()
        assert store.check(db).ok, fx.name


def _station(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=60)


def test_db_check_healthy_on_new_data_dir(tmp_path: Path) -> None:
    d = tmp_path / "data"
    assert _station(d, "db", "migrate").returncode == 0
    r = _station(d, "db", "check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "healthy" in r.stdout and "integrity: ok" in r.stdout


def test_db_check_missing_database_is_not_healthy(tmp_path: Path) -> None:
    r = _station(tmp_path / "nothing", "db", "check")
    assert r.returncode == 1
    assert "Start the station once to create it" in r.stdout


def test_db_check_reports_a_corrupted_file_clearly(tmp_path: Path) -> None:
    d = tmp_path / "data"
    assert _station(d, "db", "migrate").returncode == 0
    db = d / "station.sqlite3"
    raw = bytearray(db.read_bytes())
    raw[0:16] = b"this is garbage!"  # destroys the SQLite header
    db.write_bytes(bytes(raw))
    r = _station(d, "db", "check")
    assert r.returncode == 1
    assert "not a readable station database" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_db_check_finds_damaged_pages(tmp_path: Path) -> None:
    d = tmp_path / "data"
    assert _station(d, "db", "migrate").returncode == 0
    db = d / "station.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("CREATE TABLE filler(x)")
    conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 200)
    conn.commit()
    conn.close()
    raw = bytearray(db.read_bytes())
    page = 4096
    for off in range(page * 3, len(raw) - page, page):  # scribble over interior pages, keep the header
        raw[off + 8: off + 64] = b"\xff" * 56
    db.write_bytes(bytes(raw))
    r = _station(d, "db", "check")
    assert r.returncode == 1, r.stdout
    assert "NOT healthy" in r.stdout


def test_fast_head_lookup_agrees_with_alembic() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(store.alembic_config(create_engine("sqlite://")))
    assert store.head_revision() == script.get_current_head()

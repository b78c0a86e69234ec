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


def test_migrate_from_empty_reaches_head_and_matches_models(tmp_path: Path) -> None:
    s = store.Store(tmp_path / "db.sqlite3")
    assert store.current_revision(s.engine) == store.head_revision()
    with s.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"migrations and models disagree: {diff}"
    s.close()


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

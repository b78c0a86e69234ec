"""`station db check` on damaged databases: never a traceback, never "healthy" over damaged data."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from station import events, store
from station.context import StationContext


def _events(ctx: StationContext, n: int) -> None:
    for i in range(n):
        with ctx.store.session() as s:
            events.append(s, ctx.actor, "station.started", {"i": i, "note": "ümlaut and 漢字 " * (i % 4)})


def _sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    for st in statements:
        conn.execute(st)
    conn.commit()
    conn.close()


def _station(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station", "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("column", "value"), [
    ("payload", "CAST(X'7B2269223AFF7D' AS TEXT)"),  # {"i":<0xFF>}
    ("kind", "CAST(X'C328' AS TEXT)"),  # a cut two-byte sequence
    ("operator_name", "CAST(X'80' AS TEXT)"),
    ("seq", "'seven'"),
    ("payload", "X'00FF'"),  # a BLOB where text was
])
def test_invalid_bytes_in_an_event_column_are_reported_not_raised(ctx, column: str, value: str) -> None:
    _events(ctx, 6)
    _sql(ctx.data.database, f"UPDATE events SET {column} = {value} WHERE seq = 4")
    report = store.check(ctx.data.database)
    text = "\n".join(report.lines)
    assert not report.ok, text
    assert "BROKEN" in text, text


def test_a_dropped_outbox_table_is_unhealthy_and_stops_commands_with_a_sentence(ctx) -> None:
    _events(ctx, 2)
    ctx.close()
    _sql(ctx.data.database, "DROP TABLE outbox")
    report = store.check(ctx.data.database)
    assert not report.ok and "schema: table outbox is missing" in report.lines, report.lines
    r = _station(ctx.data.root, "operator", "list")
    assert r.returncode == 2 and "lacks the table(s) outbox" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_dropped_index_or_column_is_named(ctx) -> None:
    ctx.close()
    _sql(ctx.data.database, "DROP INDEX ix_outbox_pending", "ALTER TABLE units DROP COLUMN route")
    report = store.check(ctx.data.database)
    assert not report.ok
    assert "schema: table outbox lacks index(es) ix_outbox_pending" in report.lines, report.lines
    assert "schema: table units lacks column(s) route" in report.lines, report.lines


def test_a_bogus_schema_version_is_a_sentence_in_every_command(ctx) -> None:
    ctx.close()
    _sql(ctx.data.database, "UPDATE alembic_version SET version_num = 'bogus'")
    report = store.check(ctx.data.database)
    assert not report.ok and any(line.startswith("schema: bogus, expected") for line in report.lines)
    for args in (["operator", "list"], ["kpis"], ["db", "migrate"]):
        r = _station(ctx.data.root, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "schema version this station does not know" in r.stderr and "Traceback" not in r.stderr, r.stderr


def _dump(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.text_factory = bytes
    try:
        return conn.execute("SELECT * FROM events ORDER BY id").fetchall()
    except sqlite3.DatabaseError:
        return []
    finally:
        conn.close()


def test_random_byte_flips_in_event_pages_never_raise_and_never_pass_as_healthy(ctx, tmp_path: Path) -> None:
    _events(ctx, 60)
    ctx.close()
    db = ctx.data.database
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = [p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'events'")]
    conn.close()
    original = _dump(db)
    rng = random.Random(21)
    healthy_and_changed = []
    for trial in range(40):
        copy = tmp_path / f"flip{trial}" / db.name
        copy.parent.mkdir()
        shutil.copy(db, copy)
        shutil.copy(ctx.store.anchor_path, copy.parent / ctx.store.anchor_path.name)
        raw = bytearray(copy.read_bytes())
        page = rng.choice(pages)
        offset = (page - 1) * 4096 + rng.randrange(4096)
        raw[offset] ^= 1 << rng.randrange(8)
        copy.write_bytes(bytes(raw))
        report = store.check(copy)  # must not raise
        if report.ok and _dump(copy) != original:
            healthy_and_changed.append((trial, offset))
    assert healthy_and_changed == []


@pytest.mark.parametrize("damage", ["UPDATE outbox SET ref = '99999' WHERE id = 1",
                                    "UPDATE outbox SET sent_at = 'x026-01-01T00:00:00Z' WHERE id = 1",
                                    "UPDATE outbox SET kind = 'evenu' WHERE id = 1"])
def test_a_damaged_outbox_row_is_not_healthy(ctx, damage: str) -> None:
    # The outbox carries no hash: a row naming no event would hold that event back from the hub for ever.
    _events(ctx, 3)
    ctx.close()
    _sql(ctx.data.database, damage)
    report = store.check(ctx.data.database)
    assert not report.ok and any(line.startswith("outbox: 1 row(s)") for line in report.lines), report.lines

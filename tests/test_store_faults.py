"""Faults the store must report, not hide: a lost WAL, deleted tail events, a 0-byte or vanished database."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from station import chainhead, cli, events, store
from station.context import StationContext


def _append(ctx: StationContext, n: int) -> int:
    """n events, one commit each; the newest seq."""
    seq = 0
    for i in range(n):
        with ctx.store.session() as s:
            seq = events.append(s, ctx.actor, "station.started", {"i": i}).seq
    return seq


def _checkpoint(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _copy_without_wal(ctx: StationContext, dest: Path, *, wal: bytes | None = None) -> Path:
    """The data dir as a power cut plus a lost (or damaged) WAL would leave it, while the station still runs."""
    dest.mkdir()
    db = ctx.data.database
    shutil.copy(db, dest / db.name)
    shutil.copy(ctx.store.anchor_path, dest / ctx.store.anchor_path.name)
    if wal is not None:
        (dest / f"{db.name}-wal").write_bytes(wal)
    return dest / db.name


def _db_check(db: Path) -> tuple[bool, str]:
    report = store.check(db)
    return report.ok, "\n".join(report.lines)


def _last_seq(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])
    finally:
        conn.close()


def test_a_deleted_wal_is_reported_with_the_range_of_lost_events(ctx, tmp_path: Path) -> None:
    _append(ctx, 5)
    _checkpoint(ctx.data.database)  # these reach the main file
    head = _append(ctx, 7)  # these live only in the WAL
    copy = _copy_without_wal(ctx, tmp_path / "lost")
    kept = _last_seq(copy)
    assert kept < head
    ok, text = _db_check(copy)
    assert not ok
    assert f"events #{kept + 1} to #{head} ({head - kept}) are missing" in text, text
    assert _db_check(ctx.data.database)[0]


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_wal_loses_events_that_db_check_names(ctx, tmp_path: Path, damage: str) -> None:
    _append(ctx, 3)
    _checkpoint(ctx.data.database)
    head = _append(ctx, 6)
    wal = bytearray(Path(f"{ctx.data.database}-wal").read_bytes())
    frame = 24 + 4096  # header + page: the second frame onwards
    if damage == "flip":
        wal[32 + 24 + frame * 2 + 100] ^= 0xFF  # inside the third frame's page: its checksum fails
    else:
        del wal[32 + frame * 3:]
    copy = _copy_without_wal(ctx, tmp_path / damage, wal=bytes(wal))
    kept = _last_seq(copy)
    assert kept < head
    ok, text = _db_check(copy)
    assert not ok and "missing" in text and f"#{head}" in text, text


def test_deleting_the_last_events_with_sql_is_detected_and_new_events_do_not_hide_it(ctx) -> None:
    head = _append(ctx, 15)
    conn = sqlite3.connect(ctx.data.database)
    conn.execute("DELETE FROM events WHERE seq > ?", (head - 10,))
    conn.commit()
    conn.close()
    ok, text = _db_check(ctx.data.database)
    assert not ok and f"events #{head - 9} to #{head} (10) are missing" in text, text
    _append(ctx, 12)  # the bench goes on: seqs are taken again, with other hashes
    ok, text = _db_check(ctx.data.database)
    assert not ok and f"event #{head} is not the event this station last recorded" in text, text


def test_the_head_record_follows_commits_and_the_hub(ctx) -> None:
    head = _append(ctx, 3)
    anchor = chainhead.read(ctx.store.anchor_path)
    assert anchor is not None and anchor.local is not None and anchor.local.seq == head
    chainhead.note_hub(ctx.store.anchor_path, chainhead.Head(head, anchor.local.hash))
    chainhead.advance(ctx.store.anchor_path, chainhead.Head(1, "older"))  # a slower writer never moves it back
    again = chainhead.read(ctx.store.anchor_path)
    assert again is not None and again.local == anchor.local and again.hub == anchor.local
    ok, text = _db_check(ctx.data.database)
    assert ok and f"the hub holds up to #{head}" in text, text


def _station(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=60)


def test_a_zero_byte_database_is_never_replaced(ctx) -> None:
    _append(ctx, 2)
    ctx.close()
    db = ctx.data.database
    db.write_bytes(b"")
    for args in (["operator", "list"], ["db", "migrate"], ["kpis"]):
        r = _station(ctx.data.root, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "is empty (0 bytes)" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert db.stat().st_size == 0
    r = _station(ctx.data.root, "db", "check")
    assert r.returncode == 1 and "empty (0 bytes)" in r.stdout and "NOT healthy" in r.stdout


def test_a_vanished_database_is_not_started_over_when_events_were_recorded(ctx) -> None:
    head = _append(ctx, 2)
    ctx.close()
    for p in ctx.data.root.glob("station.sqlite3*"):
        p.unlink()
    r = _station(ctx.data.root, "operator", "list")
    assert r.returncode == 2 and f"records {head} events" in r.stderr, r.stderr
    assert not ctx.data.database.exists()


def test_cert_verify_tells_a_missing_event_from_another_stations(ctx, capsys) -> None:  # type: ignore[no-untyped-def]
    from station.certs import certificate
    from tests.erase.test_certificate import result

    issued = certificate.issue(ctx, result(), None)
    d = str(ctx.data.root)
    assert cli.main(["--data-dir", d, "cert", "verify", str(issued.json_path)]) == 0
    capsys.readouterr()
    conn = sqlite3.connect(ctx.data.database)
    conn.execute("DELETE FROM events WHERE kind = 'certificate.issued'")
    conn.commit()
    conn.close()
    assert cli.main(["--data-dir", d, "cert", "verify", str(issued.json_path)]) == 1
    out = capsys.readouterr().out
    assert "NOT VALID" in out and re.search(r"event #\d+ is missing from this station's own event log", out), out

"""A station that lost its newest events and the record of its head: named at the next sync, rebuilt from the hub.

Deleting the WAL loses the events it held; deleting station.chain-head.json with it removes the
only local trace of them, so `db check` reads the shorter chain as healthy. The hub still has
every event: the next sync says what is missing, and `station db restore` rebuilds the database
from the hub's copy, verified, against the real PostgreSQL hub.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from station import cli, events, operators, store, units
from station.context import StationContext, open_station
from station.sync import run_once

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


def _append(ctx: StationContext, n: int) -> int:
    seq = 0
    for i in range(n):
        with ctx.store.session() as s:
            seq = events.append(s, ctx.actor, "station.started", {"i": i}).seq
    return seq


def _last_seq(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])
    finally:
        conn.close()


def test_lost_wal_and_chain_head_are_named_at_sync_and_restored_from_the_hub(hub, tokens, make_station, tmp_path,
                                                                             capsys) -> None:
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    operators.add(ctx, "Tess Tech", "technician", pin="2468")
    operators.sign_in_pin(ctx, "Tess Tech", "2468")
    with ctx.store.session() as s:
        unit = units.create(s, ctx.actor, {"serial": "SN-RESTORE-1"}, device_class="phone")
        uid = unit.uid
    _append(ctx, 5)
    conn = sqlite3.connect(ctx.data.database)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # so far in the main file
    conn.close()
    head = _append(ctx, 7)  # these live only in the WAL
    assert run_once(ctx).ok

    # A power cut takes the WAL, and station.chain-head.json goes with it: only the main file is left.
    lost = tmp_path / "lost"
    lost.mkdir(mode=0o700)
    shutil.copy(ctx.data.database, lost / ctx.data.database.name)
    shutil.copy(ctx.data.config_file, lost / ctx.data.config_file.name)
    db = lost / ctx.data.database.name
    kept = _last_seq(db)
    assert 0 < kept < head
    # Locally only the head record's absence shows, not what went with it: the hub's copy names the range.

    again = open_station(lost)
    try:
        report = run_once(again)
    finally:
        again.close()
    assert not report.ok
    assert (f"The hub holds this station's events up to #{head}, but the database here ends at #{kept}: "
            f"events #{kept + 1}-#{head} are missing here") in report.errors[0]
    assert "Run 'station db restore'" in report.errors[0]

    capsys.readouterr()
    assert cli.main(["--data-dir", str(lost), "db", "restore"]) == 0
    out = capsys.readouterr().out
    assert f"{head} events of station 'bench-1' (#1-#{head}), verified link by link" in out
    assert "1 units rebuilt" in out and "1 operators are back without PIN or role" in out and "Tess Tech" in out
    assert f"kept: {db}.before-restore-" in out
    assert store.check(db).ok and _last_seq(db) == head

    restored = open_station(lost)
    try:
        with restored.store.reader() as s:
            found = units.by_uid(s, uid)
            assert found is not None and found.serial == "SN-RESTORE-1" and found.device_class == "phone"
            assert [e.kind for e in events.history(s, found)] == ["unit.created"]
        assert restored.station_id == "bench-1"
        resync = run_once(restored)  # the hub and the station agree again; nothing is sent twice
        assert resync.ok and resync.events_sent == 0, resync.errors
    finally:
        restored.close()
    # A healthy database that holds the hub's head is never replaced.
    assert cli.main(["--data-dir", str(lost), "db", "restore"]) == 2
    assert "is healthy and holds" in capsys.readouterr().err

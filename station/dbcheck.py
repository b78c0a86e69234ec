"""`station db check`: is the local store whole? Integrity, schema, the event chain and its tail.

Reads the file through sqlite3 in read-only mode and never raises on damage: any bytes in
any column, a missing table or a foreign schema version become a line of the report.
Text columns are decoded leniently, so an event whose bytes were damaged no longer hashes
to its recorded hash and is reported as altered.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from station import chainhead, events
from station.errors import StoreError


@dataclass
class HealthReport:
    ok: bool
    lines: list[str]


_EVENT_COLUMNS = ", ".join(events.EventRow._fields)


def _lenient(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def check(db_path: Path) -> HealthReport:
    """The whole health report; `ok` only when every part holds."""
    if not db_path.exists():
        return HealthReport(False, [f"No database at {db_path}. Start the station once to create it."])
    if db_path.stat().st_size == 0:
        return HealthReport(False, [f"{db_path} is empty (0 bytes): the station's data is gone from it. Restore "
                                    "station.sqlite3 from a backup; the station will not start over it."])
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return HealthReport(False, [f"{db_path} cannot be opened ({exc}); check its permissions."])
    conn.text_factory = _lenient
    try:
        return _check(conn, db_path)
    except sqlite3.DatabaseError as exc:
        return HealthReport(False, [f"{db_path} is not a readable station database ({exc}). Restore it from "
                                    "backup, or move it aside to start an empty one."])
    finally:
        conn.close()


def _check(conn: sqlite3.Connection, db_path: Path) -> HealthReport:
    lines: list[str] = []
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    ok = rows == ["ok"] and not fk
    lines.append("integrity: ok" if rows == ["ok"] else "integrity: DAMAGED: " + "; ".join(rows[:5]))
    if fk:
        lines.append(f"foreign keys: {len(fk)} broken references")
    schema_ok, schema_lines = _schema(conn)
    lines += schema_lines
    if not schema_ok:
        return HealthReport(False, lines)
    chain_ok, chain_lines = _chain(conn, db_path)
    outbox_ok, outbox_lines = _outbox(conn)
    return HealthReport(ok and chain_ok and outbox_ok, lines + chain_lines + outbox_lines)


_ISO = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"


def _outbox(conn: sqlite3.Connection) -> tuple[bool, list[str]]:
    """The outbox has no hash of its own: check that each row is one the station could have written.

    A damaged row could hold back an event from the hub for ever, or claim it was sent."""
    conn.create_function("iso", 1, lambda v: isinstance(v, str) and re.match(_ISO, v) is not None,
                         deterministic=True)
    bad = conn.execute(
        "SELECT count(*) FROM outbox o WHERE NOT ("
        " (o.kind = 'event' AND typeof(o.ref) = 'text' AND o.ref GLOB '[1-9]*' AND o.ref NOT GLOB '*[^0-9]*'"
        "   AND EXISTS (SELECT 1 FROM events e WHERE e.id = CAST(o.ref AS INTEGER)))"
        " OR (o.kind = 'blob' AND length(o.ref) = 64 AND o.ref NOT GLOB '*[^0-9a-f]*'))"
        " OR NOT iso(o.created_at) OR (o.sent_at IS NOT NULL AND NOT iso(o.sent_at))"
        " OR (o.next_attempt_at IS NOT NULL AND NOT iso(o.next_attempt_at))"
        " OR typeof(o.attempts) != 'integer' OR o.attempts < 0").fetchone()[0]
    if not bad:
        return True, []
    return False, [f"outbox: {bad} row(s) name no event or blob of this station, or carry unreadable times: "
                   "they were damaged. Restore station.sqlite3 from a backup, or ask the hub which events it holds."]


def _schema(conn: sqlite3.Connection) -> tuple[bool, list[str]]:
    from station.models import Base
    from station.store import head_revision

    head = head_revision()
    try:
        revs = [str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version").fetchall()]
    except sqlite3.OperationalError:
        revs = []
    problems: list[str] = []
    for table in Base.metadata.sorted_tables:
        have = {str(r[1]) for r in conn.execute(f"PRAGMA table_info('{table.name}')")}
        if not have:
            problems.append(f"table {table.name} is missing")
            continue
        lacking = sorted({c.name for c in table.columns} - have)
        if lacking:
            problems.append(f"table {table.name} lacks column(s) {', '.join(lacking)}")
        indexes = {str(r[1]) for r in conn.execute(f"PRAGMA index_list('{table.name}')")}
        gone = sorted({str(i.name) for i in table.indexes} - indexes)
        if gone:
            problems.append(f"table {table.name} lacks index(es) {', '.join(gone)}")
    if revs == [head] and not problems:
        return True, [f"schema: {head} (current)"]
    lines = []
    if revs != [head]:
        shown = ", ".join(revs) or "none"
        lines.append(f"schema: {shown}, expected {head}" + (". Start the station to migrate." if not problems
                                                            and len(revs) == 1 else "."))
    for p in problems:
        lines.append(f"schema: {p}")
    if problems:
        lines.append("schema: the database does not match this station's models: restore it from a backup "
                     "(or from the hub), or run the station version that wrote it.")
    return False, lines


def _events(conn: sqlite3.Connection) -> Iterator[events.EventRow]:
    cur = conn.execute(f"SELECT {_EVENT_COLUMNS} FROM events ORDER BY seq")
    while batch := cur.fetchmany(2000):
        yield from (events.EventRow(*r) for r in batch)


def _chain(conn: sqlite3.Connection, db_path: Path) -> tuple[bool, list[str]]:
    chain = events.verify_chain(_events(conn))
    lines = [f"event chain: {chain.checked} events, " + ("verified" if chain.ok else f"BROKEN: {chain.problem}")]
    last = conn.execute("SELECT seq, hash FROM events WHERE typeof(seq) = 'integer' ORDER BY seq DESC LIMIT 1"
                        ).fetchone()
    db_head = chainhead.Head(int(last[0]), str(last[1])) if last else None
    anchor_path = chainhead.path_for(db_path)
    try:
        anchor = chainhead.read(anchor_path)
    except StoreError as exc:
        return False, [*lines, f"chain head: {exc}"]
    if anchor is None or anchor.local is None:
        if db_head is None:
            return chain.ok, lines
        return False, [*lines, f"chain head: {anchor_path.name} is missing, so lost events at the end of the chain "
                               "cannot be ruled out; it is written again at the next change. If it was not removed "
                               "on purpose, compare this station with the hub before going on."]
    wanted = [h.seq for h in (anchor.local, anchor.hub) if h is not None]
    hash_at: dict[int, str | None] = {}
    for seq in wanted:
        found = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq,)).fetchone()
        hash_at[seq] = str(found[0]) if found else None
    problems = chainhead.missing(anchor, db_head, hash_at)
    if not problems:
        hub = f"; the hub holds up to #{anchor.hub.seq}" if anchor.hub else ""
        return chain.ok, [*lines, f"chain head: #{anchor.local.seq} recorded, present{hub}"]
    lines += [f"LOST: {p}." for p in problems]
    lines.append("Restore station.sqlite3 from a backup, or ask the hub's operator for this station's events; "
                 "until then the missing events exist only on the hub, if it received them.")
    return False, lines

"""`station db restore`: rebuild a lost or damaged station database from the hub's copy of its chain.

The hub holds every event this station sent, with the exact body that was hashed. The restore
fetches them all with the station's own token, re-verifies the whole chain here (every seq,
link and hash recomputed, not taken on the hub's word), moves the old database, its WAL and
its chain-head record aside (never deleted), and writes a new database holding that chain, the
units it created and placeholders for the operators it names. What the chain cannot carry is
said, not guessed: PINs, the state columns a unit's later events changed, and events the
station never sent.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from station import chainhead, clock, events, store
from station.config import Config
from station.errors import StoreError, UserFacingError
from station.i18n import _
from station.models import Event, Meta, Operator, Unit
from station.paths import DataDir
from station.sync.client import HubClient
from station.units import add_identifier

log = logging.getLogger(__name__)
PAGE = 1000
_UNIT_FIELDS = frozenset(Unit.__table__.columns.keys()) - {"id", "uid", "created_at", "updated_at", "operator_id"}


@dataclass
class Restored:
    station: str
    events: int
    head: chainhead.Head | None
    units: int
    operators: list[str]
    moved: list[Path] = field(default_factory=list)
    lost: str = ""  # events the old records name that the hub never received


def fetch(client: HubClient, page: int = PAGE) -> tuple[str, list[dict[str, Any]]]:
    """Every event of this station the hub holds, oldest first."""
    got: list[dict[str, Any]] = []
    station = ""
    while True:
        reply = client.own_events(got[-1]["seq"] if got else 0, page)
        station = str(reply["station"])
        got += reply["events"]
        if len(reply["events"]) < page:
            return station, got


def _rows(station: str, raw: list[dict[str, Any]]) -> Iterator[events.EventRow]:
    for item in raw:
        body = item["body"]
        if not isinstance(body, dict) or body.get("seq") != item["seq"] or body.get("station") != station:
            raise UserFacingError(_("The hub's copy of event #{seq} does not belong to station "
                                    "'{station}' at that place; nothing was restored.").format(
                    seq=item.get('seq'), station=station))
        yield events.EventRow(item["seq"], station, body.get("unit"), body.get("kind"),
                              events.canonical(body.get("payload")), body.get("operator_id"), body.get("operator"),
                              body.get("at"), item["prev_hash"], item["hash"])


def verified(station: str, raw: list[dict[str, Any]]) -> list[events.EventRow]:
    rows = list(_rows(station, raw))
    report = events.verify_chain(rows)
    if not report.ok:
        raise UserFacingError(_("The hub's copy of this station's chain does not verify ({problem}); "
                                "nothing was restored. Ask a supervisor to check the hub's incidents.").format(
                problem=report.problem))
    refused = [r.seq for r, item in zip(rows, raw, strict=True) if item.get("refused")]
    if refused:
        raise UserFacingError(_("The hub kept event(s) {events} only as their hash (they broke a limit), so "
                                "the chain cannot be rebuilt from it; nothing was restored. Restore "
                                "station.sqlite3 from a backup instead.").format(
                events=', '.join(f'#{n}' for n in refused[:5])))
    return rows


def _refuse_if_needed(db: Path, hub_head: int, hub_hash: str | None) -> str:
    """Why the current database may be replaced; refuses one that is healthy and holds the hub's head."""
    if not db.exists() or db.stat().st_size == 0:
        return "missing" if not db.exists() else "empty"
    report = store.check(db)
    local = _local_head(db)
    if report.ok and local >= hub_head and _hash_at(db, hub_head) == hub_hash:
        raise UserFacingError(_("The station database {db} is healthy and holds {local} events, as many as "
                                "the hub ({hub_head}); there is nothing to restore. Nothing was changed.").format(
                db=db, local=local, hub_head=hub_head))
    return "damaged" if not report.ok else f"behind the hub (#{local} here, #{hub_head} there)"


def _query(db: Path, sql: str, *args: Any) -> Any:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = conn.execute(sql, args).fetchone()
            return row[0] if row else None
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _local_head(db: Path) -> int:
    return int(_query(db, "SELECT coalesce(max(seq), 0) FROM events") or 0)


def _hash_at(db: Path, seq: int) -> str | None:
    if seq == 0:
        return events.GENESIS
    found = _query(db, "SELECT hash FROM events WHERE seq = ?", seq)
    return found if isinstance(found, str) else None


def _move_aside(db: Path, stamp: str) -> list[Path]:
    moved = []
    for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), chainhead.path_for(db)):
        if p.exists():
            target = p.with_name(f"{p.name}.before-restore-{stamp}")
            p.rename(target)
            moved.append(target)
    return moved


def restore(data: DataDir, config: Config, client: HubClient | None = None) -> Restored:
    own = client is None
    client = client or HubClient.from_config(config)
    try:
        me = client.me()
        hub_head, hub_hash = int(me["head_seq"]), me.get("head_hash")
        station, raw = fetch(client)
    finally:
        if own:
            client.close()
    rows = verified(station, raw)
    if len(rows) != hub_head:
        raise UserFacingError(_("The hub says it holds {hub_head} events of '{station}' but sent {rows}; "
                                "nothing was restored. Try again.").format(
                hub_head=hub_head, station=station, rows=len(rows)))
    db = data.database
    why = _refuse_if_needed(db, hub_head, hub_hash)
    old = _old_head(db)
    moved = _move_aside(db, clock.iso().replace(":", "").replace("-", "")[:15])
    log.info("restoring %s (%s) from the hub: %d events", db, why, len(rows))
    st = store.Store(db)
    try:
        units, operators = _write(st, station, rows)
        report = _verify_written(st)
    finally:
        st.close()
    head = chainhead.Head(rows[-1].seq, rows[-1].hash) if rows else None
    if head is not None:
        anchor = chainhead.path_for(db)
        chainhead.advance(anchor, head)
        chainhead.note_hub(anchor, head)
    lost = ""
    if old > len(rows):
        lost = (f"events #{len(rows) + 1}-#{old} were recorded here but never reached the hub: they are lost "
                "(the old files are kept beside the new database)")
    assert report.ok
    return Restored(station, len(rows), head, units, operators, moved, lost)


def _old_head(db: Path) -> int:
    """The newest seq the old database or its head record knew of."""
    try:
        anchor = chainhead.read(chainhead.path_for(db))
    except StoreError:
        anchor = None
    recorded = anchor.local.seq if anchor is not None and anchor.local is not None else 0
    return max(recorded, _local_head(db) if db.exists() else 0)


def _write(st: store.Store, station: str, rows: list[events.EventRow]) -> tuple[int, list[str]]:
    with st.session() as s:
        meta = s.get(Meta, "station_id")
        if meta is None:
            s.add(Meta(key="station_id", value=station))
        else:
            meta.value = station
        names: dict[int, str] = {}
        for r in rows:
            if isinstance(r.operator_id, int) and r.operator_id not in names:
                names[r.operator_id] = str(r.operator_name or f"operator {r.operator_id}")
        for oid, name in sorted(names.items()):
            # Not in the chain: the PIN and the role. Inactive until a supervisor sets them again.
            s.add(Operator(id=oid, name=name, role="technician", pin_hash=None, active=False, created_at=clock.iso()))
        s.flush()
        unit_ids: dict[str, int] = {}
        for r in rows:
            if r.unit_uid and r.unit_uid not in unit_ids:
                unit_ids[r.unit_uid] = _unit(s, r)
            s.add(Event(seq=r.seq, station_id=r.station_id, unit_id=unit_ids.get(r.unit_uid or ""),
                        unit_uid=r.unit_uid, kind=r.kind, payload=r.payload, operator_id=r.operator_id,
                        operator_name=r.operator_name, created_at=r.created_at, prev_hash=r.prev_hash, hash=r.hash))
    return len(unit_ids), [names[k] for k in sorted(names)]


def _unit(s: Any, r: events.EventRow) -> int:
    # The event that created the unit carries its identifiers and intake fields (units.create).
    payload = json.loads(r.payload)
    if not isinstance(payload, dict) or not isinstance(payload.get("identifiers"), dict):
        payload = {}
    fields = {k: v for k, v in payload.items() if k in _UNIT_FIELDS and not isinstance(v, (dict, list))}
    unit = Unit(uid=r.unit_uid, created_at=r.created_at, updated_at=r.created_at,
                operator_id=r.operator_id if isinstance(r.operator_id, int) else None, **fields)
    s.add(unit)
    s.flush()
    for kind, value in (payload.get("identifiers") or {}).items():
        add_identifier(s, unit, str(kind), str(value))
    return int(unit.id)


def _verify_written(st: store.Store) -> events.ChainReport:
    with st.reader() as s:
        report = events.verify_store_chain(s)
        n = s.execute(select(Event.seq).order_by(Event.seq.desc()).limit(1)).scalar()
    if not report.ok:
        raise UserFacingError(_("The restored database does not verify ({problem}); run 'station db check'.").format(
                problem=report.problem))
    log.info("restored chain verified up to #%s", n)
    return report

"""Reading and settling the outbox: which events and blobs still have to go upstream.

Events go strictly in chain order, so they are read by seq, either from the pending
outbox rows or, when the hub asks to be sent an older stretch again, straight from the
events table. Blob rows carry their own retry time, so one missing file never holds
up the others. Every write here is one short transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select, update

from station import clock, events
from station.events import pending_unit_events as pending_unit_events  # counted where outbox rows are made
from station.models import Event, Outbox
from station.store import Store

EVENT, BLOB = "event", "blob"
MAX_RETRY_S = 3600.0  # a retry time further away than this means the clock jumped back: retry now


class Outgoing(NamedTuple):
    """An event on its way up, as raw columns: a sync pass reads hundreds, and ORM objects cost more than
    the upload itself."""

    id: int
    seq: int
    station_id: str
    unit_uid: str | None
    kind: str
    payload: str  # the canonical JSON text events.append stored
    operator_id: int | None
    operator_name: str | None
    created_at: str
    prev_hash: str
    hash: str


_OUTGOING: list[Any] = [Event.id, Event.seq, Event.station_id, Event.unit_uid, Event.kind, Event.payload,
                        Event.operator_id, Event.operator_name, Event.created_at, Event.prev_hash, Event.hash]


def wire(ev: events.ChainRecord) -> dict[str, Any]:
    """The event as the hub receives it: exactly the body station.events hashed, plus its chain links."""
    return {**events._body(ev), "prev_hash": ev.prev_hash, "hash": ev.hash}


def _wire_text(ev: Outgoing) -> str:
    """wire(ev) as JSON, with the stored payload text put in as it is instead of parsed and written again."""
    head = {"seq": ev.seq, "station": ev.station_id, "unit": ev.unit_uid, "kind": ev.kind,
            "operator": ev.operator_name, "operator_id": ev.operator_id, "at": ev.created_at,
            "prev_hash": ev.prev_hash, "hash": ev.hash}
    return _dumps(head)[:-1] + ',"payload":' + ev.payload + "}"


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def encode_batch(station: str, batch: list[Outgoing], budget: int) -> tuple[list[Outgoing], bytes]:
    """The leading events of `batch` whose wire form fits `budget` bytes (at least one), and the request
    body that carries them: each event is written to JSON once, for its size and for the upload."""
    parts: list[bytes] = []
    used = 0
    for ev in batch:
        part = _wire_text(ev).encode("utf-8")
        used += len(part) + 1
        if used > budget and parts:
            break
        parts.append(part)
    body = b'{"station":' + _dumps(station).encode("utf-8") + b',"events":[' + b",".join(parts) + b"]}"
    return batch[:len(parts)], body


def pending_events(store: Store, limit: int) -> list[Outgoing]:
    """The next pending events, in chain order."""
    with store.reader() as s:
        refs = s.execute(
            select(Outbox.ref).where(Outbox.sent_at.is_(None), Outbox.kind == EVENT).order_by(Outbox.id).limit(limit)
        ).scalars().all()
        ids = [int(r) for r in refs]
        if not ids:
            return []
        return [Outgoing(*r) for r in s.execute(select(*_OUTGOING).where(Event.id.in_(ids)).order_by(Event.seq))]


def events_from(store: Store, seq: int, limit: int) -> list[Outgoing]:
    """Events from `seq` on, whatever their outbox rows say (the hub asked for them)."""
    with store.reader() as s:
        return [Outgoing(*r) for r in
                s.execute(select(*_OUTGOING).where(Event.seq >= seq).order_by(Event.seq).limit(limit))]


def head_and_hash_at(store: Store, seq: int) -> tuple[int, str | None]:
    """The newest local seq, and the hash of event #seq here (None when there is none)."""
    with store.reader() as s:
        top = s.execute(select(func.max(Event.seq))).scalar() or 0
        at = s.execute(select(Event.hash).where(Event.seq == seq)).scalar()
    return int(top), at


def mark_events_sent(store: Store, event_ids: Iterable[int]) -> int:
    refs = [str(i) for i in event_ids]
    if not refs:
        return 0
    with store.session() as s:
        result = s.execute(
            update(Outbox).where(Outbox.sent_at.is_(None), Outbox.kind == EVENT, Outbox.ref.in_(refs))
            .values(sent_at=clock.iso(), last_error=None)
            .execution_options(synchronize_session=False)  # nothing of the outbox is loaded in this session
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


REFUSED = "refused by the hub: "


def mark_event_refused(store: Store, event_id: int, seq: int, reason: str) -> None:
    """The hub keeps only this event's hash (it broke a limit): settled, with the reason kept for the supervisor."""
    with store.session() as s:
        s.execute(
            update(Outbox).where(Outbox.kind == EVENT, Outbox.ref == str(event_id))
            .values(sent_at=clock.iso(), last_error=f"{REFUSED}event #{seq}: {reason}"[:2000])
        )


def refused_events(store: Store, limit: int = 20) -> list[str]:
    """Sentences for `sync status`: events the hub holds only as a hash, newest first."""
    with store.reader() as s:
        return [str(e) for e in s.execute(
            select(Outbox.last_error).where(Outbox.kind == EVENT, Outbox.last_error.like(REFUSED + "%"))
            .order_by(Outbox.id.desc()).limit(limit)
        ).scalars()]


def note_event_error(store: Store, event_id: int, error: str) -> None:
    with store.session() as s:
        s.execute(
            update(Outbox).where(Outbox.sent_at.is_(None), Outbox.kind == EVENT, Outbox.ref == str(event_id))
            .values(attempts=Outbox.attempts + 1, last_error=error[:2000])
        )


def due_blobs(store: Store, limit: int) -> list[tuple[int, str]]:
    """(outbox id, sha256) of blobs whose retry time has come."""
    now = clock.now()
    with store.reader() as s:
        rows = s.execute(
            select(Outbox.id, Outbox.ref).where(
                Outbox.sent_at.is_(None), Outbox.kind == BLOB,
                or_(Outbox.next_attempt_at.is_(None), Outbox.next_attempt_at <= clock.iso(now),
                    Outbox.next_attempt_at > clock.iso(now + timedelta(seconds=MAX_RETRY_S))),
            ).order_by(Outbox.id).limit(limit)
        ).all()
    return [(int(i), str(ref)) for i, ref in rows]


def mark_blobs_sent(store: Store, outbox_ids: list[int]) -> None:
    if not outbox_ids:
        return
    with store.session() as s:
        s.execute(update(Outbox).where(Outbox.id.in_(outbox_ids)).values(sent_at=clock.iso(), last_error=None))


def defer_blob(store: Store, outbox_id: int, error: str, attempts_base_s: float = 30.0) -> None:
    """Retry this blob later (30 s, 60 s, ... up to an hour) and keep the reason for `sync status`."""
    with store.session() as s:
        row = s.get(Outbox, outbox_id)
        if row is None:
            return
        row.attempts = (row.attempts or 0) + 1
        delay = min(MAX_RETRY_S, attempts_base_s * 2 ** min(row.attempts - 1, 12))
        row.next_attempt_at = clock.iso(clock.now() + timedelta(seconds=delay))
        row.last_error = error[:2000]


def backlog(store: Store) -> dict[str, int]:
    """Rows still to send, per kind."""
    with store.reader() as s:
        rows = s.execute(
            select(Outbox.kind, func.count()).where(Outbox.sent_at.is_(None)).group_by(Outbox.kind)
        ).all()
    counts = {EVENT: 0, BLOB: 0}
    counts.update({k: int(n) for k, n in rows})
    return counts


def oldest_problem(store: Store) -> tuple[str, str, int, str] | None:
    """(kind, ref, attempts, last_error) of the oldest pending row that failed, for `sync status`."""
    with store.reader() as s:
        row = s.execute(
            select(Outbox.kind, Outbox.ref, Outbox.attempts, Outbox.last_error)
            .where(Outbox.sent_at.is_(None), Outbox.last_error.is_not(None)).order_by(Outbox.id).limit(1)
        ).first()
    return (str(row[0]), str(row[1]), int(row[2]), str(row[3])) if row else None

"""The append-only, hash-chained unit history, and its outbox rows.

Each event's hash covers the previous event's hash and every field of its own, so
removing, reordering or editing any committed event breaks the chain at that point.
`append()` writes the event and its outbox row inside the caller's transaction:
either both are committed or neither is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from station import atomic, chainhead, clock, limits
from station.errors import UserFacingError
from station.i18n import _
from station.models import Event, Outbox, Unit
from station.paths import DataDir

GENESIS = "0" * 64

# Every kind of event the station writes; an unknown kind is a programming error.
KINDS = frozenset({
    "operator.signed_in", "operator.signed_out", "operator.locked_out", "operator.pin_failed", "operator.admin",
    "unit.created", "unit.scanned", "unit.updated", "unit.reopened", "unit.finished", "unit.blocked",
    "unit.medium_attached", "unit.wipe_settled",
    "grade.recorded", "grade.overridden",
    "photo.captured", "photo.override",
    "wipe.started", "wipe.finished", "wipe.interrupted", "certificate.issued", "certificate.validated",
    "phone.identified", "phone.prechecked",
    "route.assigned", "route.gate_overridden", "route.cleared", "outcome.recorded",
    "lot.created", "lot.unit_added", "lot.unit_removed", "lot.closed", "lot.sold",
    "label.printed", "label.queued", "label.scan_back",
    "config.applied", "station.started",
})


# json.dumps with these options builds a new encoder on every call; the hub calls this for every event it takes
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: the bytes that get hashed."""
    return _CANONICAL.encode(obj)


def event_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(body)).encode("utf-8")).hexdigest()


class Readable(Protocol):
    """A store that opens read transactions (station.store.Store)."""

    def reader(self) -> AbstractContextManager[Session]: ...


class EventRow(NamedTuple):
    """One event as raw columns, outside the ORM: read by `station db check`, or rebuilt from the hub's copy."""

    seq: Any
    station_id: Any
    unit_uid: Any
    kind: Any
    payload: Any
    operator_id: Any
    operator_name: Any
    created_at: Any
    prev_hash: Any
    hash: Any


class ChainRecord(Protocol):
    """What the chain hashes of one event: an Event row, or a raw row read by `station db check`."""

    @property
    def seq(self) -> Any: ...
    @property
    def station_id(self) -> Any: ...
    @property
    def unit_uid(self) -> Any: ...
    @property
    def kind(self) -> Any: ...
    @property
    def payload(self) -> Any: ...
    @property
    def operator_id(self) -> Any: ...
    @property
    def operator_name(self) -> Any: ...
    @property
    def created_at(self) -> Any: ...
    @property
    def prev_hash(self) -> Any: ...
    @property
    def hash(self) -> Any: ...


def _body(ev: ChainRecord) -> dict[str, Any]:
    return {
        "seq": ev.seq,
        "station": ev.station_id,
        "unit": ev.unit_uid,
        "kind": ev.kind,
        "payload": json.loads(ev.payload),
        "operator": ev.operator_name,
        "operator_id": ev.operator_id,
        "at": ev.created_at,
    }


@dataclass(frozen=True)
class Actor:
    """Who did it, where: stamped on every event."""

    station_id: str
    operator_id: int | None = None
    operator_name: str | None = None


def append(
    s: Session,
    actor: Actor,
    kind: str,
    payload: dict[str, Any] | None = None,
    unit: Unit | None = None,
    *,
    sync: bool = True,
) -> Event:
    """Append one event (and its outbox row) in the session's open transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    body = canonical(payload or {})
    size = len(body.encode("utf-8"))
    if size > limits.EVENT_PAYLOAD_MAX:  # the hub refuses it; refused here, the event is never recorded at all
        raise UserFacingError(
            _("The {kind} record is {size:,} bytes, more than the {EVENT_PAYLOAD_MAX:,} bytes one event may "
              "hold; nothing was saved. Shorten the notes or attach the data as a photo or file instead.").format(
                    kind=kind, size=size, EVENT_PAYLOAD_MAX=limits.EVENT_PAYLOAD_MAX))
    last = s.execute(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    ev = Event(
        seq=seq,
        station_id=actor.station_id,
        unit_id=unit.id if unit is not None else None,
        unit_uid=unit.uid if unit is not None else None,
        kind=kind,
        payload=body,
        operator_id=actor.operator_id,
        operator_name=actor.operator_name,
        created_at=clock.iso(),
        prev_hash=prev,
        hash="",
    )
    ev.hash = event_hash(prev, _body(ev))
    s.add(ev)
    s.flush()
    s.info["chain_head"] = chainhead.Head(ev.seq, ev.hash)  # Store.session records it once committed
    if sync:
        s.add(Outbox(kind="event", ref=str(ev.id), created_at=ev.created_at))
    return ev


def store_blob(data: DataDir, content: bytes) -> str:
    """Write `content` under blobs/<sha256> (atomically, once) and return the sha256: a certificate's
    PDF or a phone's evidence photo, to be queued for upload with enqueue_blob."""
    digest = hashlib.sha256(content).hexdigest()
    path = data.blobs / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_atomic(path, content, 0o666)  # the umask decides, as for any file the station writes
    return digest


def enqueue_blob(s: Session, sha256: str) -> None:
    """Queue a content-addressed file (photo, certificate PDF) for upload."""
    s.add(Outbox(kind="blob", ref=sha256, created_at=clock.iso()))


@dataclass
class ChainReport:
    ok: bool
    checked: int
    problem: str | None = None


def verify_chain(events: Iterable[ChainRecord]) -> ChainReport:
    """Walk events in seq order; report the first gap, fork or altered event."""
    prev, expected_seq, n = GENESIS, 1, 0
    for ev in events:
        if ev.seq != expected_seq:
            return ChainReport(False, n, f"gap: expected event #{expected_seq}, found #{ev.seq}")
        if ev.prev_hash != prev:
            return ChainReport(False, n, f"event #{expected_seq} does not follow #{expected_seq - 1}")
        try:
            recomputed = event_hash(prev, _body(ev))
        except (ValueError, TypeError):  # damaged bytes: the payload is no longer JSON, or not text
            return ChainReport(False, n, f"event #{expected_seq} was damaged: its payload is no longer readable")
        if recomputed != ev.hash:
            return ChainReport(False, n, f"event #{expected_seq} was altered after it was written")
        prev, expected_seq, n = ev.hash, expected_seq + 1, n + 1
    return ChainReport(True, n)


def verify_store_chain(s: Session, batch: int = 5000) -> ChainReport:
    """Verify the whole chain in the store, streaming in seq order."""
    return verify_chain(s.execute(select(Event).order_by(Event.seq).execution_options(yield_per=batch)).scalars())


def history(s: Session, unit: Unit) -> list[Event]:
    return list(s.execute(select(Event).where(Event.unit_id == unit.id).order_by(Event.seq)).scalars())


def pending_unit_events(store: Readable) -> int:
    """Events about units still to send: what a shift log fetched from the hub lacks (sign-ins and
    other station events change no row, so they are not counted)."""
    with store.reader() as s:
        return int(s.execute(
            select(func.count()).select_from(Outbox).join(Event, Event.id == cast(Outbox.ref, Integer))
            .where(Outbox.sent_at.is_(None), Outbox.kind == "event", Event.unit_uid.is_not(None))
        ).scalar_one())

"""Event ingest: idempotent, and the station's hash chain checked on arrival.

(station, seq) is the key: an event already held with the same hash is a *repeat*
(success for the station); with another hash it is a *fork*. An event must attach to
the station's chain head (its prev_hash is the hash the hub holds for seq-1), otherwise
it is a *gap* and the reply says which seq to send from. Every event's hash is
recomputed from its body, so an altered event is refused. Problems become incidents a
supervisor sees; nothing is silently accepted. The station row is locked for the
batch, so concurrent deliveries through different hub instances serialize per station.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import BigInteger, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from station import clock
from station.events import canonical
from station.sync.hub import value_ingest
from station.sync.hub.auth import now
from station.sync.hub.models import HubCertificate, HubEvent, HubIncident, HubStation, HubUnitKey
from station.sync.hub.schemas import HEX64, BatchReply, EventBatch, EventIn, EventResult, WellFormedBatch, check_json

# Payload keys whose values identify a unit across stations (see docs/sync.md).
IDENTIFIER_KEYS = ("serial", "imei", "imei2", "meid", "asset_tag", "gs1", "eid")


def identifiers_in(payload: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, value) pairs found at the top of a payload or in its 'identifiers' map or list."""
    for key in IDENTIFIER_KEYS:
        value = payload.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            yield key, str(value)
    nested = payload.get("identifiers")
    if isinstance(nested, dict):
        for k, v in nested.items():
            if isinstance(v, str | int) and not isinstance(v, bool):
                yield str(k), str(v)
    elif isinstance(nested, list):
        for item in nested:
            if isinstance(item, dict) and isinstance(item.get("value"), str | int):
                yield str(item.get("kind", "id")), str(item["value"])


_HEX = re.compile(HEX64)
_BODY = ("seq", "station", "unit", "kind", "payload", "operator", "operator_id", "at")


@dataclass(frozen=True)
class Refused:
    """An event that broke a limit but whose hash and links can still be checked."""

    seq: int
    station: str
    prev_hash: str
    hash: str
    body: str  # canonical, as the station hashed it
    reason: str


class Unreadable(ValueError):
    """An item that is not an event at all (no usable seq or hashes): the batch is refused whole."""


def read_event(raw: dict[str, Any]) -> EventIn | Refused:
    try:
        return EventIn.model_validate(raw, context={})
    except ValidationError as exc:
        seq, prev, h = raw.get("seq"), raw.get("prev_hash"), raw.get("hash")
        if not (type(seq) is int and 1 <= seq <= 2**62 and isinstance(prev, str) and _HEX.fullmatch(prev)
                and isinstance(h, str) and _HEX.fullmatch(h)):
            raise Unreadable(f"an item is not an event the hub can place in a chain: {exc.errors()[0]['msg']}") \
                from None
        body = {k: raw.get(k) for k in _BODY}
        try:
            check_json(body)
            text = canonical(body)
        except (ValueError, TypeError, RecursionError):
            raise Unreadable(f"event #{seq} cannot be stored even as a refused event") from None
        reason = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}"
                           for e in exc.errors()[:3])
        return Refused(seq, str(raw.get("station")), prev, h, text, reason[:500])


_WELL_FORMED = TypeAdapter(WellFormedBatch)


class NotABatch(ValueError):
    """The body is not a batch at all (not JSON, no station, not a list of events): 422 for the whole request."""

    def __init__(self, errors: list[Any]) -> None:
        super().__init__("not an events batch")
        self.errors = errors


def read_batch(raw: bytes) -> tuple[str, list[EventIn | Refused]]:
    """The claimed station and the events of a POST /v1/events body. Parsing the bytes straight into EventIn
    costs a third of parsing to dicts and validating those; any batch that fails it is read the slow way,
    which decides per event, so both ways give the same events for the same body. Unreadable as for
    read_event."""
    try:
        batch = _WELL_FORMED.validate_json(raw, context={})  # payload_text: each event's, set in turn
        return batch.station, list(batch.events)
    except ValidationError:
        pass
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise NotABatch([{"type": "json_invalid", "loc": ["body"], "msg": "the body is not JSON",
                          "input": None}]) from None
    try:
        loose = EventBatch.model_validate(data)
    except ValidationError as exc:
        raise NotABatch(exc.errors(include_url=False, include_context=False, include_input=False)) from None
    return loose.station, [read_event(e) for e in loose.events]


@dataclass
class _Batch:
    station: HubStation
    rows: list[dict[str, Any]] = field(default_factory=list)
    keys: set[tuple[str, str, str, str]] = field(default_factory=set)
    certificates: list[dict[str, Any]] = field(default_factory=list)
    incidents: dict[str, tuple[int, str]] = field(default_factory=dict)  # one per kind per batch
    refused: list[tuple[int, str]] = field(default_factory=list)  # one incident each: each is a hole
    open_gap: bool = True  # an unresolved gap incident was held before this batch

    def incident(self, kind: str, seq: int, detail: str) -> None:
        self.incidents.setdefault(kind, (seq, detail))


def _accept(b: _Batch, ev: EventIn, body: str, received: datetime) -> None:
    at = clock.parse(ev.at)
    b.rows.append({
        "station_id": ev.station, "seq": ev.seq, "hash": ev.hash, "prev_hash": ev.prev_hash, "kind": ev.kind,
        "unit_uid": ev.unit, "operator_name": ev.operator, "operator_id": ev.operator_id, "at": at,
        "body": body, "payload": ev.payload, "payload_text": ev.payload_text(), "received_at": received,
    })
    if ev.unit:
        b.keys.add((ev.unit, "uid", ev.station, ev.unit))
        for kind, value in identifiers_in(ev.payload):
            if 0 < len(value) <= 120 and len(kind) <= 20:
                b.keys.add((value, kind, ev.station, ev.unit))
    if ev.kind == "certificate.issued":
        cert_id = ev.payload.get("certificate_id") or ev.payload.get("id")
        if isinstance(cert_id, str) and 0 < len(cert_id) <= 64:
            serial = ev.payload.get("serial")
            sanitized = ev.payload.get("sanitized")
            b.certificates.append({
                "id": cert_id, "station_id": ev.station, "seq": ev.seq, "unit_uid": ev.unit,
                "serial": serial[:120] if isinstance(serial, str) else None,
                "sanitized": sanitized if isinstance(sanitized, bool) else None,
                "payload": ev.payload, "issued_at": at,
            })


def _keep_refused(b: _Batch, ev: Refused, received: datetime) -> None:
    """Only the links and the hashed body: the chain stays verifiable and the head moves on."""
    b.rows.append({
        "station_id": ev.station, "seq": ev.seq, "hash": ev.hash, "prev_hash": ev.prev_hash, "kind": "hub.refused",
        "unit_uid": None, "operator_name": None, "operator_id": None, "at": received, "body": ev.body,
        "payload": {"refused": ev.reason}, "payload_text": canonical({"refused": ev.reason}),
        "received_at": received,
    })
    b.refused.append((ev.seq, f"event #{ev.seq} broke a limit and was kept only as its hash: {ev.reason}"))


# one array parameter, not one bound parameter per seq of the batch: the statement is the same for every batch
_HELD = select(HubEvent.seq, HubEvent.hash).where(
    HubEvent.station_id == bindparam("station"), HubEvent.seq == any_(bindparam("seqs", type_=ARRAY(BigInteger))))


# read with the station row it locks: most batches move the head of a station with no open gap, and the
# UPDATE that resolves filled gaps is then left out
_OPEN_GAP = select(HubIncident.id).where(
    HubIncident.station_id == HubStation.id, HubIncident.kind == "gap", HubIncident.resolved_at.is_(None)).exists()
_LOCK = select(HubStation, _OPEN_GAP).where(HubStation.id == bindparam("station")).with_for_update(of=HubStation)


def ingest(s: Session, station_id: str, events: list[EventIn | Refused],
           station_time: str | None = None) -> BatchReply:
    """Store a batch for `station_id` (already authenticated as that station) and say what happened to each."""
    received = now()
    locked = s.execute(_LOCK, {"station": station_id}).first()
    assert locked is not None, "authenticated station without a row"
    station, open_gap = locked
    b = _Batch(station, open_gap=bool(open_gap))
    skew = _skew(station_time, received)
    ordered = sorted({ev.seq: ev for ev in events}.values(), key=lambda e: e.seq)  # order within a batch is free
    # the hub stores an event only as the station's new head, so it holds none above the head: a batch of new
    # events only (the common case) needs no look at what is held
    new_only = not ordered or ordered[0].seq > station.head_seq
    held = {} if new_only else dict(s.execute(_HELD, {"station": station_id, "seqs": [e.seq for e in ordered]}).all())
    results: list[EventResult] = []
    head_seq, head_hash = station.head_seq, station.head_hash
    for ev in ordered:
        status, detail = "accepted", None
        body = ev.body if isinstance(ev, Refused) else ev.canonical_body()
        # station.events.event_hash, with the canonical text kept for storage: sha256(prev_hash + body)
        if hashlib.sha256((ev.prev_hash + body).encode("utf-8")).hexdigest() != ev.hash:
            status, detail = "altered", f"event #{ev.seq}: its hash does not match its content"
            b.incident("altered", ev.seq, detail)
        elif ev.seq in held:
            if held[ev.seq] == ev.hash:
                status = "repeat"
            else:
                status, detail = "fork", f"event #{ev.seq} differs from the event #{ev.seq} the hub already holds"
                b.incident("fork", ev.seq, detail)
        elif ev.seq == head_seq + 1:
            if ev.prev_hash != head_hash:
                status, detail = "fork", f"event #{ev.seq} does not follow the event #{head_seq} the hub holds"
                b.incident("fork", ev.seq, detail)
            elif isinstance(ev, Refused):
                status, detail = "refused", ev.reason
                _keep_refused(b, ev, received)
                head_seq, head_hash = ev.seq, ev.hash
            else:
                _accept(b, ev, body, received)
                head_seq, head_hash = ev.seq, ev.hash
        elif ev.seq > head_seq + 1:
            status, detail = "gap", f"event #{ev.seq} arrived before #{head_seq + 1}; send from #{head_seq + 1}"
            b.incident("gap", ev.seq, detail)
        else:  # below the head but not held: the hub lost rows (restored backup?)
            status, detail = "invalid", f"event #{ev.seq} is below the hub's head #{head_seq} but missing there"
            b.incident("invalid", ev.seq, detail)
        results.append(EventResult(seq=ev.seq, status=status, detail=detail))  # type: ignore[arg-type]
    _write(s, b, head_seq, head_hash, received, skew)
    return BatchReply(
        station=station_id, head_seq=head_seq, head_hash=head_hash, expected_seq=head_seq + 1,
        hub_time=clock.iso(received), clock_skew_s=skew, results=results,
    )


def _skew(station_time: str | None, received: datetime) -> float | None:
    if not station_time:
        return None
    try:
        return round((clock.parse(station_time) - received).total_seconds(), 3)
    except ValueError:
        return None


def _write(s: Session, b: _Batch, head_seq: int, head_hash: str, received: datetime, skew: float | None) -> None:
    st = b.station
    if b.rows:
        _copy_events(s, b.rows)
        value_ingest.record(s, b.rows)  # outcomes and units on hand, for bands and the risk index
    if b.keys:
        s.execute(pg_insert(HubUnitKey).on_conflict_do_nothing(), [
            {"value": v, "kind": k, "station_id": sid, "unit_uid": uid} for v, k, sid, uid in sorted(b.keys)
        ])
    if b.certificates:
        ids = {c["id"] for c in b.certificates}
        others = s.execute(select(HubCertificate.id, HubCertificate.station_id).where(
            HubCertificate.id.in_(ids), HubCertificate.station_id != st.id)).all()
        for cert_id, issuer in others:
            seq = next(c["seq"] for c in b.certificates if c["id"] == cert_id)
            s.add(HubIncident(station_id=st.id, kind="cert_duplicate", seq=seq, at=received,
                              detail=f"certificate id '{cert_id}' was already announced by station '{issuer}'; "
                                     "both records are kept, by issuer"))
        s.execute(pg_insert(HubCertificate).on_conflict_do_nothing(index_elements=["station_id", "id"]),
                  b.certificates)
    for kind, (seq, detail) in [*b.incidents.items(), *(("refused", r) for r in b.refused)]:
        s.add(HubIncident(station_id=st.id, kind=kind, seq=seq, detail=detail, at=received))
    if head_seq > st.head_seq and b.open_gap:  # gaps now filled are resolved (a gap of this batch is past the head)
        s.execute(
            update(HubIncident)
            .where(HubIncident.station_id == st.id, HubIncident.kind == "gap",
                   HubIncident.resolved_at.is_(None), HubIncident.seq <= head_seq)
            .values(resolved_at=received)
        )
    st.head_seq, st.head_hash, st.last_seen_at = head_seq, head_hash, received
    if skew is not None:
        st.clock_skew_s = skew


_COLUMNS = ("station_id", "seq", "hash", "prev_hash", "kind", "unit_uid", "operator_name", "operator_id", "at",
            "body", "payload", "received_at")
_COPY = f"COPY {HubEvent.__tablename__} ({', '.join(_COLUMNS)}) FROM STDIN"


def _copy_events(s: Session, rows: list[dict[str, Any]]) -> None:
    """One COPY for the batch, in the batch's transaction: the ORM's per-row INSERTs cost the hub more CPU than
    all the checks of a batch together. The key (station_id, seq) still refuses a row held twice, and the
    whole batch with it."""
    conn = s.connection().connection.driver_connection
    assert conn is not None
    with conn.cursor() as cur, cur.copy(_COPY) as copy:
        for r in rows:
            copy.write_row([*(r[c] for c in _COLUMNS[:10]), r["payload_text"], r["received_at"]])


def touch(s: Session, station_id: str, station_time: str | None) -> HubStation:
    """Record that the station called (and its clock offset) on reads that carry no events."""
    station = s.get(HubStation, station_id)
    assert station is not None
    received = now()
    station.last_seen_at = received
    skew = _skew(station_time, received)
    if skew is not None:
        station.clock_skew_s = skew
    return station

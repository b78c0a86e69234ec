"""The upload body a station builds: each event exactly as it was hashed, cut to the byte budget."""

from __future__ import annotations

import json

import pytest

from station import events
from station.sync import outbox
from station.sync.hub import ingest
from station.sync.hub.schemas import EventIn
from tests.sync.factory import add_events


def _payload(i: int) -> dict:
    return {"ünïcode": "Zażółć gęślą jaźń ✓", "nested": {"b": [1, 2.5, None, True], "a": {"z": i}},
            "quote": 'say "hi"\\n', "n": 10**18 + i}


def test_the_body_carries_each_event_as_hashed_with_its_payload_unchanged(ctx):
    add_events(ctx, 5, payload=_payload, unit_uid="u-1")
    batch = outbox.pending_events(ctx.store, 100)
    kept, body = outbox.encode_batch(ctx.station_id, batch, 10**6)
    sent = json.loads(body)
    assert kept == batch and sent["station"] == ctx.station_id
    assert sent["events"] == [outbox.wire(e) for e in batch]
    for ev, item in zip(batch, sent["events"], strict=True):  # the hub recomputes each hash from the body
        body_only = {k: v for k, v in item.items() if k not in ("prev_hash", "hash")}
        assert events.event_hash(item["prev_hash"], body_only) == ev.hash
        assert item["payload"] == _payload(ev.seq - 1)


def test_a_batch_is_cut_below_the_byte_budget_but_never_empty(ctx):
    add_events(ctx, 10, payload=_payload)
    batch = outbox.pending_events(ctx.store, 100)
    one = len(outbox.encode_batch(ctx.station_id, batch[:1], 10**6)[1])
    kept, body = outbox.encode_batch(ctx.station_id, batch, 3 * one)
    assert 1 < len(kept) < len(batch) and len(body) <= 3 * one
    assert [e["seq"] for e in json.loads(body)["events"]] == [e.seq for e in kept]
    assert len(outbox.encode_batch(ctx.station_id, batch, 10)[0]) == 1


@pytest.mark.parametrize("fields", [
    {},
    {"unit": "u-ä\"1", "operator": "Zoë \\ \"O'Neil\"\n\t\x01", "operator_id": -(2**62)},
    {"operator_id": 2**62, "payload": {"é": [1.5, -0.0, 1e300, None, False, {"z": 1, "a": "\u2028"}]}},
])
def test_the_hub_writes_the_hashed_body_exactly_as_the_station_did(fields):
    body = {"seq": 2**40, "station": "st-ł", "unit": None, "kind": "unit.scanned", "payload": {"b": 1, "a": "x"},
            "operator": None, "operator_id": None, "at": "2026-01-02T03:04:05.000006Z", **fields}
    raw = json.loads(json.dumps({**body, "prev_hash": "0" * 64, "hash": "1" * 64}))  # as it arrives
    ev = ingest.read_event(raw)
    assert isinstance(ev, EventIn)
    assert ev.canonical_body() == events.canonical(body) == events.canonical(ev.body())
    assert ev.payload_text() == events.canonical(body["payload"])


def test_a_batch_read_from_its_bytes_gives_each_event_its_own_body_and_one_refusal_holds_up_no_other():
    def item(seq: int, **fields: object) -> dict:
        return {"seq": seq, "station": "st-1", "unit": None, "kind": "unit.scanned", "payload": {"n": seq, "é": [1.5]},
                "operator": None, "operator_id": None, "at": "2026-01-02T03:04:05.000006Z",
                "prev_hash": "0" * 64, "hash": "1" * 64, **fields}

    good = [item(1), item(2, payload={"deep": {"a": [None, -0.0, 10**30]}}), item(3, operator="Zoë \"O'N\"")]
    station, read = ingest.read_batch(json.dumps({"station": "st-1", "events": good}).encode())
    assert station == "st-1" and [type(e) for e in read] == [EventIn] * 3
    for ev, raw in zip(read, good, strict=True):  # the same as reading each item on its own
        one = ingest.read_event(raw)
        assert isinstance(ev, EventIn) and isinstance(one, EventIn)
        assert ev.payload_text() == one.payload_text() == events.canonical(raw["payload"])
        assert ev.canonical_body() == one.canonical_body()
    mixed = [*good, item(4, operator="x" * 142)]
    _station, read = ingest.read_batch(json.dumps({"station": "st-1", "events": mixed}).encode())
    assert [type(e) for e in read] == [EventIn, EventIn, EventIn, ingest.Refused]
    for body in (b"{", b'{"events": []}', b'{"station": "st-1", "events": {}}'):
        with pytest.raises(ingest.NotABatch):
            ingest.read_batch(body)

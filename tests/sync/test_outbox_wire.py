"""The upload body a station builds: each event exactly as it was hashed, cut to the byte budget."""

from __future__ import annotations

import json

from station import events
from station.sync import outbox
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

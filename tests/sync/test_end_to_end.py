"""10,000 events and 500 photos from a station to the hub: equal counts and hashes on both sides."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from station.events import verify_store_chain
from station.models import Event
from station.sync import outbox, run_once, status
from station.sync.hub.models import HubBlob, HubEvent
from station.sync.hub.objects import ObjectStore
from station.sync.hub.queries import verify_station_chain
from tests.sync.factory import add_events, add_photos

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]
PHOTO_BYTES = 16 * 1024  # the benchmark sends 200 KB photos; the test keeps its runtime modest


def test_ten_thousand_events_and_five_hundred_photos_arrive_identical(hub, tokens, make_station, hub_store, s3):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"), batch_size=1000)
    add_events(ctx, 10_000)
    shas = add_photos(ctx, 500, PHOTO_BYTES)
    with ctx.store.reader() as s:
        assert verify_store_chain(s).ok
        local = dict(s.execute(select(Event.seq, Event.hash)).all())

    report = run_once(ctx)
    assert report.ok, report.errors
    assert (report.events_sent, report.blobs_sent, report.bytes_sent) == (10_000, 500, 500 * PHOTO_BYTES)
    assert outbox.backlog(ctx.store) == {"event": 0, "blob": 0} and status(ctx).text == "Hub: online, all sent"

    with hub_store.session() as s:
        remote = dict(s.execute(select(HubEvent.seq, HubEvent.hash).where(HubEvent.station_id == "bench-1")).all())
        assert remote == local  # same count, same seqs, same hashes
        assert verify_station_chain(s, "bench-1")["ok"]
        complete = set(s.execute(select(HubBlob.sha256).where(HubBlob.complete)).scalars())
        sizes = set(s.execute(select(HubBlob.size)).scalars())
    assert complete == set(shas) and sizes == {PHOTO_BYTES}
    # every blob's bytes, read back from the object storage and hashed here, match its name
    objects = ObjectStore(s3)
    assert {sha: hashlib.sha256(objects.get(objects.final(sha))).hexdigest() for sha in shas} == {s: s for s in shas}

    again = run_once(ctx)  # nothing left: a second pass sends nothing
    assert again.ok and again.events_sent == again.blobs_sent == again.events_repeat == 0

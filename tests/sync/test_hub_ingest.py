"""Event ingest on the hub: stored once, chain checked on arrival, problems reported."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import delete, func, select

from station.events import verify_store_chain
from station.sync import outbox, run_once
from station.sync.client import HubClient
from station.sync.hub.models import HubEvent, HubIncident, HubStation
from station.sync.hub.queries import verify_station_chain
from tests.sync.factory import add_events

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def _wire(ctx, first: int = 1, n: int = 10**9) -> list[dict]:
    return [outbox.wire(e) for e in outbox.events_from(ctx.store, first, n)]


def _count(hub_store, station: str) -> int:
    with hub_store.session() as s:
        return s.execute(select(func.count()).select_from(HubEvent).where(HubEvent.station_id == station)).scalar()


@pytest.fixture
def bench(hub, tokens, make_station):
    token = tokens.station("bench-1")
    ctx = make_station("bench-1", hub.url, token)
    client = HubClient(hub.url, token)
    yield ctx, client
    client.close()


def test_duplicate_delivery_is_stored_once_and_reported_as_a_repeat(bench, hub_store):
    ctx, client = bench
    add_events(ctx, 20)
    batch = _wire(ctx)
    first = client.post_events("bench-1", batch)
    again = client.post_events("bench-1", batch)
    assert {r["status"] for r in first["results"]} == {"accepted"}
    assert {r["status"] for r in again["results"]} == {"repeat"}
    assert _count(hub_store, "bench-1") == 20
    # the station treats a repeat as success: nothing is left to send and nothing is sent twice
    report = run_once(ctx)
    assert report.ok and report.events_sent == 0 and report.events_repeat == 20
    assert outbox.backlog(ctx.store)["event"] == 0
    assert _count(hub_store, "bench-1") == 20


def test_out_of_order_batches_are_refused_as_a_gap_then_accepted_in_order(bench, hub_store):
    ctx, client = bench
    add_events(ctx, 30)
    everything = _wire(ctx)
    one, two = everything[:15], everything[15:]
    reply = client.post_events("bench-1", two)
    assert {r["status"] for r in reply["results"]} == {"gap"}
    assert reply["expected_seq"] == 1 and _count(hub_store, "bench-1") == 0
    with hub_store.session() as s:
        gap = s.execute(select(HubIncident).where(HubIncident.kind == "gap")).scalar_one()
        assert gap.resolved_at is None and gap.seq == 16
    shuffled = one[:]
    random.Random(7).shuffle(shuffled)  # order inside one batch does not matter
    assert {r["status"] for r in client.post_events("bench-1", shuffled)["results"]} == {"accepted"}
    assert {r["status"] for r in client.post_events("bench-1", two)["results"]} == {"accepted"}
    with hub_store.session() as s:
        assert verify_station_chain(s, "bench-1") == {
            "station": "bench-1", "ok": True, "checked": 30, "head_hash": everything[-1]["hash"]}
        assert s.execute(select(HubIncident.resolved_at).where(HubIncident.kind == "gap")).scalar() is not None


def test_station_whose_outbox_runs_out_of_order_catches_up(hub, tokens, make_station, hub_store):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"), batch_size=7)
    add_events(ctx, 40)
    # outbox rows in reverse chain order: the first batch the station sends starts far ahead
    from sqlalchemy import update

    from station.models import Outbox
    with ctx.store.session() as s:
        ids = s.execute(select(Outbox.id, Outbox.ref).order_by(Outbox.id)).all()
        for (oid, _), (_, ref) in zip(ids, reversed(ids), strict=True):
            s.execute(update(Outbox).where(Outbox.id == oid).values(ref=f"tmp{ref}"))
        s.execute(update(Outbox).values(ref=func.substr(Outbox.ref, 4)))
    report = run_once(ctx)
    assert report.ok, report.errors
    assert _count(hub_store, "bench-1") == 40 and outbox.backlog(ctx.store)["event"] == 0
    with hub_store.session() as s:
        assert verify_station_chain(s, "bench-1")["ok"]


def test_hub_that_lost_events_gets_them_sent_again(hub, tokens, make_station, hub_store):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"), batch_size=10)
    add_events(ctx, 25)
    assert run_once(ctx).ok
    with hub_store.session() as s:  # the hub was restored from a backup older than the last 15 events
        s.execute(delete(HubEvent).where(HubEvent.station_id == "bench-1", HubEvent.seq > 10))
        st = s.get(HubStation, "bench-1")
        st.head_seq, st.head_hash = 10, s.execute(select(HubEvent.hash).where(HubEvent.seq == 10)).scalar_one()
    add_events(ctx, 5)
    report = run_once(ctx)
    assert report.ok, report.errors
    assert report.events_sent == 20
    assert _count(hub_store, "bench-1") == 30


def test_fork_and_altered_events_are_refused_and_reported(bench, hub_store):
    ctx, client = bench
    add_events(ctx, 5)
    good = _wire(ctx)
    client.post_events("bench-1", good)
    # a different event #3 with a valid hash of its own: a second chain under the same id
    from station.events import event_hash
    forged = dict(good[2], payload={"i": 999})
    body = {k: forged[k] for k in ("seq", "station", "unit", "kind", "payload", "operator", "operator_id", "at")}
    forged["hash"] = event_hash(forged["prev_hash"], body)
    assert client.post_events("bench-1", [forged])["results"][0]["status"] == "fork"
    altered = dict(good[4], seq=6, payload={"i": 5, "changed": True})  # content no longer matches its hash
    assert client.post_events("bench-1", [altered])["results"][0]["status"] == "altered"
    with hub_store.session() as s:
        kinds = set(s.execute(select(HubIncident.kind)).scalars())
        stored = s.execute(select(HubEvent.hash).where(HubEvent.seq == 3)).scalar_one()
    assert {"fork", "altered"} <= kinds
    assert stored == good[2]["hash"] and _count(hub_store, "bench-1") == 5


def test_station_with_a_forked_chain_holds_events_back_and_says_why(hub, tokens, make_station, hub_store):
    token = tokens.station("bench-1")
    first = make_station("bench-1", hub.url, token)
    add_events(first, 3)
    assert run_once(first).ok
    clone = make_station("bench-1", hub.url, token)  # same id, its own chain: e.g. a re-imaged PC
    add_events(clone, 4, payload=lambda i: {"other": i})
    report = run_once(clone)
    # the station sees before sending that its chain is not the hub's, and says how to get back
    assert not report.ok and "Event #3 here is not the one the hub holds" in report.errors[0]
    assert "station db restore" in report.errors[0]
    assert outbox.backlog(clone.store)["event"] == 4
    assert _count(hub_store, "bench-1") == 3
    with clone.store.reader() as s:
        assert verify_store_chain(s).ok

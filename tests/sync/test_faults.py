"""The network and the hub fail at the worst moments; every event still lands exactly once.

The hub runs as a real `station hub serve` process where the case needs killing it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from station.context import open_station
from station.sync import SyncWorker, outbox, run_once, status
from station.sync.client import HubClient
from station.sync.hub.models import HubBlob, HubBlobUpload, HubEvent
from station.sync.hub.queries import verify_station_chain
from tests.sync.factory import ThreadHub, add_events, add_photos
from tests.sync.pgserver import free_port
from tests.sync.proxy import CuttingProxy

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]


def _hub_counts(hub_store, station="bench-1") -> tuple[int, int]:
    with hub_store.session() as s:
        n = s.execute(select(func.count()).select_from(HubEvent).where(HubEvent.station_id == station)).scalar()
        distinct = s.execute(select(func.count(func.distinct(HubEvent.hash)))
                             .where(HubEvent.station_id == station)).scalar()
    return n, distinct


def _wait(cond, timeout=90.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(step)
    raise AssertionError("condition not reached in time")


def test_hub_killed_mid_batch_then_restarted_loses_and_duplicates_nothing(hub_process, tokens, make_station,
                                                                          hub_store):
    ctx = make_station("bench-1", hub_process.url, tokens.station("bench-1"), batch_size=100)
    add_events(ctx, 3000)
    add_photos(ctx, 40, 64 * 1024)
    worker = SyncWorker(ctx, interval_s=0.2, base_s=0.1, cap_s=0.5, rng=random.Random(1))
    worker.start()
    try:
        _wait(lambda: _hub_counts(hub_store)[0] >= 300)
        hub_process.kill()  # kill -9 while batches are in flight
        _wait(lambda: status(ctx).state == "offline", timeout=30)
        assert status(ctx).backlog > 0 and worker.failures >= 1
        hub_process.start()  # same port, same database
        _wait(lambda: outbox.backlog(ctx.store) == {"event": 0, "blob": 0})
    finally:
        worker.stop()
    n, distinct = _hub_counts(hub_store)
    assert n == distinct == 3000
    with hub_store.session() as s:
        assert verify_station_chain(s, "bench-1")["ok"]
        assert s.execute(select(func.count()).select_from(HubBlob).where(HubBlob.complete)).scalar() == 40
    assert status(ctx).state == "online"


def test_reply_lost_after_the_hub_committed_is_a_repeat_next_time(hub, tokens, make_station, hub_store):
    proxy = CuttingProxy(hub.port)
    ctx = make_station("bench-1", proxy.url, tokens.station("bench-1"), batch_size=50)
    add_events(ctx, 120)
    try:
        proxy.drop_replies_to = b"POST /v1/events"
        report = run_once(ctx)
        assert report.state == "offline" and proxy.cuts >= 1
        stored_meanwhile = _hub_counts(hub_store)[0]
        assert stored_meanwhile > 0  # the hub stored the batch whose reply never came back
        assert outbox.backlog(ctx.store)["event"] == 120  # the station did not mark what it never heard about
        proxy.drop_replies_to = None
        report = run_once(ctx)
    finally:
        proxy.close()
    assert report.ok
    assert report.events_repeat == stored_meanwhile and report.events_sent == 120 - stored_meanwhile
    assert _hub_counts(hub_store) == (120, 120)


def test_connection_cut_mid_upload_resumes_the_blob_where_the_hub_stopped(hub, tokens, make_station, hub_store):
    proxy = CuttingProxy(hub.port)
    ctx = make_station("bench-1", proxy.url, tokens.station("bench-1"))
    [sha] = add_photos(ctx, 1, 3 * 1024 * 1024 + 123)
    chunk = 512 * 1024
    try:
        proxy.cut_after_upload(int(1.6 * 1024 * 1024))  # dies inside the 4th chunk
        first = run_once(ctx, blob_chunk=chunk)
        assert first.state == "offline"
        with hub_store.session() as s:
            assert s.get(HubBlob, sha) is None  # not finished: only the station's own upload holds bytes
            held = s.get(HubBlobUpload, (sha, "bench-1"))
            assert held is not None and held.received == 3 * chunk
        proxy.cut_after_upload(None)
        second = run_once(ctx, blob_chunk=chunk)
    finally:
        proxy.close()
    assert second.ok and second.blobs_sent == 1
    assert second.bytes_sent == 3 * 1024 * 1024 + 123 - 3 * chunk  # only what the hub did not have
    with hub_store.session() as s:
        assert s.get(HubBlob, sha).complete


def test_hub_restart_between_passes(hub, hub_db, tokens, make_station, hub_store):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    add_events(ctx, 10)
    assert run_once(ctx).ok
    hub.stop()
    add_events(ctx, 5)
    down = run_once(ctx)
    assert down.state == "offline" and "cannot be reached" in down.errors[0]
    assert status(ctx).text == "Hub: offline, 5 to send"
    again = ThreadHub(hub_db, port=hub.port).start()  # a new instance: the hub keeps no state of its own
    try:
        up = run_once(ctx)
    finally:
        again.stop()
    assert up.ok and up.events_sent == 5 and _hub_counts(hub_store) == (15, 15)


def test_connections_dropped_by_the_database_cost_no_failed_pass(hub, tokens, make_station, hub_store):
    """A database restart leaves the hub's pooled connections dead (the pool pings none of them): the next
    station request still succeeds, on fresh connections."""
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    add_events(ctx, 10)
    assert run_once(ctx).ok
    with hub_store.session() as s:
        dropped = s.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    assert dropped  # the hub's pooled connections
    add_events(ctx, 5)
    again = run_once(ctx)
    assert again.ok, again.errors
    assert again.events_sent == 5 and _hub_counts(hub_store) == (15, 15)


def test_station_killed_mid_sync_resumes_after_restart(hub, tokens, make_station, hub_store):

    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"), batch_size=200)
    add_events(ctx, 4000)
    root = str(ctx.data.root)
    proc = subprocess.Popen([sys.executable, "-m", "station", "--data-dir", root, "sync"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _hub_counts(hub_store)[0] >= 400)
        os.kill(proc.pid, signal.SIGKILL)  # the station dies with batches in flight
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _hub_counts(hub_store)[0] < 4000
    again = open_station(root)  # the restarted station carries on from its outbox
    try:
        report = run_once(again)
        assert report.ok and outbox.backlog(again.store)["event"] == 0
    finally:
        again.close()
    assert _hub_counts(hub_store) == (4000, 4000)


def test_stateless_instances_share_one_database_and_serialize_a_station(hub, hub_db, tokens, make_station,
                                                                        hub_store):
    second = ThreadHub(hub_db).start()  # two hub instances behind an imaginary load balancer
    token = tokens.station("bench-1")
    ctx = make_station("bench-1", hub.url, token)
    add_events(ctx, 300)
    batch = [outbox.wire(e) for e in outbox.events_from(ctx.store, 1, 300)]
    clients = [HubClient(hub.url, token), HubClient(second.url, token)]
    try:
        with ThreadPoolExecutor(4) as pool:  # the same batch delivered 4 times at once through both
            replies = list(pool.map(lambda i: clients[i % 2].post_events("bench-1", batch), range(4)))
    finally:
        for c in clients:
            c.close()
        second.stop()
    statuses = sorted(tuple(sorted({r["status"] for r in rep["results"]})) for rep in replies)
    assert statuses == [("accepted",), ("repeat",), ("repeat",), ("repeat",)]
    assert _hub_counts(hub_store) == (300, 300)


def test_hub_without_its_database_answers_503_and_the_station_waits(make_station):
    hub = ThreadHub(f"postgresql://postgres@127.0.0.1:{free_port()}/gone").start()  # PostgreSQL is down
    try:
        ctx = make_station("bench-1", hub.url, "sth_any")
        add_events(ctx, 3)
        report = run_once(ctx)
    finally:
        hub.stop()
    assert report.state == "offline" and "HTTP 503" in report.errors[0]
    assert outbox.backlog(ctx.store)["event"] == 3

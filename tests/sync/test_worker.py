"""The station side: the background worker, backoff, status, clock skew and per-blob problems."""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from station import clock
from station.models import Outbox
from station.sync import SyncWorker, outbox, run_once, status
from station.sync.hub.models import HubStation
from station.sync.worker import backoff_delay
from tests.sync.factory import add_events, add_photos
from tests.sync.pgserver import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def _wait(cond, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap():
    rng = random.Random(3)
    for n in range(1, 15):
        ceiling = min(300.0, 2.0 * 2 ** (n - 1))
        delays = [backoff_delay(n, 2.0, 300.0, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len({round(d, 6) for d in delays}) > 150  # jittered: stations do not retry in step
    assert backoff_delay(1000, 2.0, 300.0, rng) <= 300.0


def test_sync_off_without_a_hub_url(ctx):
    assert run_once(ctx).enabled is False
    st = status(ctx)
    assert st.state == "off" and st.text == "Hub: sync off"
    worker = SyncWorker(ctx)
    worker.start()
    assert not worker.running


def test_offline_hub_keeps_everything_and_says_so(make_station, tokens):
    ctx = make_station("bench-1", f"http://127.0.0.1:{free_port()}", tokens.station("bench-1"))
    add_events(ctx, 4)
    add_photos(ctx, 2, 100)
    report = run_once(ctx)
    assert report.state == "offline" and not report.ok
    st = status(ctx)
    assert (st.state, st.backlog_events, st.backlog_blobs, st.level) == ("offline", 4, 2, "warn")
    assert st.text == "Hub: offline, 6 to send" and "cannot be reached" in st.last_error
    assert st.last_ok_at is None


def test_worker_drains_in_its_own_thread_and_stops_promptly(hub, tokens, make_station):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"), batch_size=50)
    add_events(ctx, 200)
    reports = []
    worker = SyncWorker(ctx, interval_s=60, on_report=reports.append)
    worker.start()
    try:
        _wait(lambda: reports and reports[0].ok)
        assert reports[0].events_sent == 200 and worker._thread is not threading.current_thread()
        add_events(ctx, 5)
        worker.wake()  # new work goes out now, not after the 60 s interval
        _wait(lambda: len(reports) >= 2)
        assert reports[1].events_sent == 5
    finally:
        started = time.monotonic()
        worker.stop()
        assert time.monotonic() - started < 5 and not worker.running
    st = status(ctx)
    assert st.online and st.backlog == 0 and st.level == "ok" and st.text == "Hub: online, all sent"


def test_worker_backs_off_while_the_hub_is_unreachable(make_station, tokens):
    ctx = make_station("bench-1", f"http://127.0.0.1:{free_port()}", tokens.station("bench-1"))
    add_events(ctx, 1)
    reports = []
    worker = SyncWorker(ctx, base_s=0.05, cap_s=0.2, on_report=reports.append, rng=random.Random(5))
    worker.start()
    try:
        _wait(lambda: len(reports) >= 4)
        worker.wake()  # ignored while backing off: new work does not hammer a dead hub
    finally:
        worker.stop()
    assert worker.failures >= 4 and all(r.state == "offline" for r in reports)


def test_clock_skew_is_measured_tolerated_and_shown(hub, tokens, make_station, hub_store, monkeypatch):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(hours=2))  # the station runs 2 h fast
    add_events(ctx, 5)
    add_photos(ctx, 1, 100)
    report = run_once(ctx)
    assert report.ok and report.events_sent == 5 and report.blobs_sent == 1  # nothing depends on agreeing clocks
    assert 7100 < report.clock_skew_s < 7300
    with hub_store.session() as s:
        assert 7100 < s.get(HubStation, "bench-1").clock_skew_s < 7300
    st = status(ctx)
    assert st.level == "warn" and "120 min ahead of the hub" in st.text
    idle = run_once(ctx)  # nothing to send: the skew still comes from the hub's Date header
    assert idle.ok and idle.events_sent == 0 and 7190 < idle.clock_skew_s < 7210
    # the clock is fixed (jumps back 2 h): blobs waiting for a retry are not stuck for 2 h
    with ctx.store.session() as s:
        s.add(Outbox(kind="blob", ref="f" * 64, created_at=clock.iso(),
                     next_attempt_at=clock.iso(clock.now() + timedelta(minutes=90))))
    monkeypatch.setattr(clock, "now", real_now)
    assert [ref for _, ref in outbox.due_blobs(ctx.store, 10)] == ["f" * 64]


def test_a_missing_or_damaged_blob_is_deferred_without_holding_up_the_rest(hub, tokens, make_station):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    missing, damaged, fine = add_photos(ctx, 3, 2000)
    for sha in (missing, damaged):
        path = ctx.data.blobs / sha[:2] / f"{sha}.jpg"
        if sha == missing:
            path.unlink()
        else:
            path.write_bytes(b"bit rot")
    add_events(ctx, 3)
    report = run_once(ctx)
    assert report.events_sent == 3 and report.blobs_sent == 1 and report.state == "online"
    assert any("missing" in e for e in report.errors) and any("damaged" in e for e in report.errors)
    with ctx.store.reader() as s:
        rows = {r.ref: r for r in s.execute(select(Outbox).where(Outbox.kind == "blob")).scalars()}
    assert rows[fine].sent_at and rows[missing].sent_at is None and rows[missing].attempts == 1
    assert rows[damaged].next_attempt_at > clock.iso()
    # not retried before its time: the next pass is clean
    assert run_once(ctx).errors == []

"""One sync pass: pull configuration, send pending events in chain order, then blobs.

`run_once` never raises for hub or network trouble: it reports. Events are marked sent
only once the hub said it holds them (accepted, or a repeat of what it holds), so a
connection cut at any moment loses nothing and duplicates nothing. When the hub asks
for an older stretch (a gap: it lost or never got earlier events), the pass sends the
chain again from there; repeats cost little and the hub stores each event once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from station import chainhead, limits
from station.context import StationContext
from station.i18n import _
from station.sync import blobs, configpull, outbox, state
from station.sync.client import HubClient, HubError, HubRefused, HubRejected, HubUnreachable

log = logging.getLogger(__name__)
OK_STATUSES = ("accepted", "repeat")
BLOB_QUERY = 200
UPLOAD_THREADS = 4  # concurrent blob uploads: enough to overlap the hub's commits, gentle on a busy hub


@dataclass
class SyncReport:
    enabled: bool = True
    online: bool = False
    events_sent: int = 0  # newly stored by the hub
    events_repeat: int = 0  # the hub already had them
    blobs_sent: int = 0
    blobs_skipped: int = 0  # the hub already had them
    bytes_sent: int = 0
    config_applied: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    clock_skew_s: float | None = None
    state: str = state.OFFLINE

    @property
    def ok(self) -> bool:
        return self.enabled and self.online and not self.errors


class ChainRefused(HubError):
    """The hub refused an event as a fork, altered or invalid: a supervisor must look."""


def run_once(ctx: StationContext, *, client: HubClient | None = None,
             should_stop: Callable[[], bool] = lambda: False, blob_chunk: int = blobs.CHUNK) -> SyncReport:
    """Drain everything that is due now. Safe to call from any thread; one pass at a time per station."""
    if not ctx.config["sync.hub_url"]:
        return SyncReport(enabled=False, state=state.OFF)
    report = SyncReport()
    own = client is None
    try:
        if client is None:
            client = HubClient.from_config(ctx.config)
        _pass(ctx, client, report, should_stop, blob_chunk)
        report.state = state.ONLINE
    except HubRefused as exc:
        report.online, report.state = False, state.REFUSED
        report.errors.append(str(exc))
    except HubUnreachable as exc:
        report.online, report.state = False, state.OFFLINE
        report.errors.append(str(exc))
    except HubError as exc:  # the hub answered, but refused something: it is online
        report.online, report.state = True, state.ONLINE
        report.errors.append(str(exc))
    finally:
        if own and client is not None:
            client.close()
    if report.clock_skew_s is None and client is not None:
        report.clock_skew_s = client.clock_skew_s  # no events went up: the hub's Date header tells
    if report.errors:
        log.warning("sync: %s", report.errors[0])
    state.record(ctx.store, report.state, report.errors[0] if report.errors else None, report.clock_skew_s)
    return report


def _pass(ctx: StationContext, client: HubClient, report: SyncReport, should_stop: Callable[[], bool],
          blob_chunk: int) -> None:
    try:
        pulled = configpull.pull(ctx, client)
        report.config_applied += pulled.applied
        report.errors += pulled.rejected
    except HubRejected as exc:  # a configuration problem must not hold back the station's records
        report.errors.append(f"Configuration could not be pulled: {exc}")
    except HubError:
        raise
    except Exception as exc:  # a malformed index from a broken or hostile hub: events still go up
        log.exception("sync: configuration index unusable")
        report.errors.append(f"Configuration from the hub could not be read ({type(exc).__name__}); "
                             "events are sent anyway.")
    report.online = True
    client.backlog = sum(outbox.backlog(ctx.store).values())
    check_against_hub(ctx, client)
    # Events and blobs are independent streams: send them side by side, so the photos of a
    # busy shift do not hold back the chain, and the two overlap on the hub.
    with ThreadPoolExecutor(1, thread_name_prefix="station-blobs") as side:
        blobs_done = side.submit(send_blobs, ctx, client, report, should_stop, blob_chunk)
        try:
            send_events(ctx, client, report, should_stop)
        except BaseException:
            with contextlib.suppress(HubError):  # the events' error is the one to report
                blobs_done.result()
            raise
        blobs_done.result()
    left = sum(outbox.backlog(ctx.store).values())
    if left != client.backlog:  # blobs drained beside the last batch: the hub's figure would stay stale
        client.backlog = left
        client.me()


def check_against_hub(ctx: StationContext, client: HubClient) -> None:
    """The hub's head for this station must be in the local chain. When the database lost its newest
    events together with its chain-head record (the WAL and station.chain-head.json both deleted),
    nothing local shows it; the hub's copy does, and nothing more is sent until the database is rebuilt."""
    me = client.me()
    hub_seq, hub_hash = int(me.get("head_seq") or 0), me.get("head_hash")
    if hub_seq <= 0:
        return
    local, here = outbox.head_and_hash_at(ctx.store, hub_seq)
    todo = "Nothing more is sent. Run 'station db restore' to rebuild the database from the hub's copy."
    if local < hub_seq:
        raise ChainRefused(_("The hub holds this station's events up to #{hub_seq}, but the database here "
                             "ends at #{local}: events #{first}-#{hub_seq} are missing here (the database "
                             "or its WAL was lost, and its chain-head record with it). {todo}").format(
                hub_seq=hub_seq, local=local, first=local + 1, todo=todo))
    if here != hub_hash:
        raise ChainRefused(_("Event #{hub_seq} here is not the one the hub holds: this station's chain was "
                             "rewritten after it was synced (events were lost here and new ones took their "
                             "place). {todo}").format(hub_seq=hub_seq, todo=todo))


def send_events(ctx: StationContext, client: HubClient, report: SyncReport,
                should_stop: Callable[[], bool]) -> None:
    limit = max(1, ctx.config.get_int("sync.batch_size"))
    resend_from: int | None = None
    stalled = 0
    while not should_stop():
        batch = outbox.events_from(ctx.store, resend_from, limit) if resend_from else \
            outbox.pending_events(ctx.store, limit)
        if not batch:
            return
        batch, body = outbox.encode_batch(ctx.station_id, batch, limits.EVENT_BATCH_BYTES)
        # what will be left once this batch is stored (blobs drain beside it)
        client.backlog = max(0, sum(outbox.backlog(ctx.store).values()) - len(batch))
        reply = client.post_encoded(body)
        report.clock_skew_s = reply.get("clock_skew_s")
        by_seq = {e.seq: e for e in batch}
        done = [r for r in reply["results"] if r["status"] in OK_STATUSES]
        held = [by_seq[r["seq"]] for r in done if r["seq"] in by_seq]
        outbox.mark_events_sent(ctx.store, [e.id for e in held])
        for r in reply["results"]:
            if r["status"] == "refused" and r["seq"] in by_seq:  # the chain went on; this one is for a supervisor
                outbox.mark_event_refused(ctx.store, by_seq[r["seq"]].id, r["seq"], str(r.get("detail")))
                held.append(by_seq[r["seq"]])
                report.errors.append(f"The hub refused event #{r['seq']} ({r.get('detail')}); it holds only its "
                                     "hash, and the events after it went up.")
        _note_hub_head(ctx, held)
        report.events_sent += sum(1 for r in done if r["status"] == "accepted")
        report.events_repeat += sum(1 for r in done if r["status"] == "repeat")
        problems = [r for r in reply["results"] if r["status"] not in (*OK_STATUSES, "refused")]
        if not problems:
            if resend_from is not None:
                resend_from = batch[-1].seq + 1
            stalled = 0
            continue
        first = min(problems, key=lambda r: r["seq"])
        if first["status"] == "gap":
            expected = int(reply["expected_seq"])
            stalled = stalled + 1 if not done else 0
            if stalled > 2 or expected < 1:
                raise ChainRefused(_("The hub keeps asking for event #{expected}; sync of events stopped.").format(
                        expected=expected))
            log.info("sync: the hub holds events up to #%d; sending again from there", expected - 1)
            resend_from = expected
            continue
        event = by_seq.get(first["seq"])
        sentence = (f"The hub refused event #{first['seq']} ({first['status']}): {first.get('detail')}. "
                    "Events are held back until a supervisor checks this station's chain ('station db check').")
        if event is not None:
            outbox.note_event_error(ctx.store, event.id, sentence)
        raise ChainRefused(sentence)


def _note_hub_head(ctx: StationContext, held: list[Any]) -> None:
    """Keep the newest event the hub holds beside the database: `station db check` finds events lost after it."""
    if not held:
        return
    top = max(held, key=lambda e: e.seq)
    try:
        chainhead.note_hub(ctx.store.anchor_path, chainhead.Head(top.seq, top.hash))
    except OSError as exc:
        log.warning("hub head not recorded: %s", exc)


def send_blobs(ctx: StationContext, client: HubClient, report: SyncReport, should_stop: Callable[[], bool],
               chunk: int) -> None:
    """Upload due blobs a few at a time: the hub's commits overlap instead of queueing behind each other."""
    failed: set[int] = set()
    while not should_stop():
        due = [(i, sha) for i, sha in outbox.due_blobs(ctx.store, BLOB_QUERY + len(failed)) if i not in failed]
        if not due:
            return
        known = client.blob_states(sorted({sha for _, sha in due}))

        def one(sha: str, state: dict[str, Any] | None) -> blobs.Upload | None:
            return None if should_stop() else blobs.upload(client, ctx.data, sha, state, chunk)

        sent: list[int] = []
        pool = ThreadPoolExecutor(UPLOAD_THREADS, thread_name_prefix="station-upload")
        try:
            futures = {pool.submit(one, sha, known.get(sha)): outbox_id for outbox_id, sha in due}
            for future in as_completed(futures):
                outbox_id = futures[future]
                try:
                    up = future.result()
                except blobs.BlobProblem as exc:
                    failed.add(outbox_id)
                    report.errors.append(str(exc))
                    outbox.defer_blob(ctx.store, outbox_id, str(exc))
                    continue
                if up is None:
                    continue  # stop was asked
                sent.append(outbox_id)
                report.bytes_sent += up.sent
                report.blobs_skipped += up.skipped
                report.blobs_sent += not up.skipped
                if len(sent) >= 50:  # settle in groups: fewer fsyncs, little to redo after a cut
                    outbox.mark_blobs_sent(ctx.store, sent)
                    sent = []
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            outbox.mark_blobs_sent(ctx.store, sent)  # what reached the hub, even if another upload failed

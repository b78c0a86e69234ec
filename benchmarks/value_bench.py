"""The value loop on the hub: bands and Inventory Risk Index recomputed from 1,000,000 outcomes.

A migrated hub database (Debian's PostgreSQL in a temp dir) gets, written server-side with
generate_series: 1,000,000 outcomes over the last 365 days across 5,000 models (90% sold with an
amount, 10% completed routes; five grades, three channels, forty buyers), 100,000 units on hand
(20 per model) in 2,000 lots, a buyer's target on every lot, and a lifecycle tag for every model.
Then, medians of --runs full recomputations as `station hub bands --publish` runs them
(station.sync.hub.value.recompute with record and publish): IRI per model and per lot, tiers
recorded, percentiles per model x grade x channel, the bands document built and published.
Usage: .venv/bin/python benchmarks/value_bench.py [--outcomes 1000000] [--models 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from station.sync.hub import configdocs, lifecycle_admin, pricebands, risk, value_policy  # noqa: E402
from station.sync.hub.db import HubStore, migrate  # noqa: E402
from station.sync.hub.value import recompute  # noqa: E402
from station.value import lifecycle  # noqa: E402
from station.value import sku as skus  # noqa: E402
from station.value.lifecycle import Lifecycle, Stage, Tag  # noqa: E402
from tests.sync.pgserver import PostgresServer  # noqa: E402

NOW = datetime(2026, 12, 1, tzinfo=UTC)
STAGES = list(Stage)

# m = model number, g = row number; prices from 50 to 1,000 by model, lower by grade, +/- 15% noise.
FILL = """
INSERT INTO outcomes (station_id, seq, unit_uid, at, outcome, sku_key, make, model, capacity, grade, channel,
                      buyer, amount)
SELECT 'bench-' || (g % 8), g, 'U' || g, :now - (g % 365) * interval '1 day' - (g % 86400) * interval '1 second',
       CASE WHEN g % 10 = 0 THEN 'completed' ELSE 'sold' END,
       'make ' || (m % 50) || '|model ' || m || '|128gb', 'Make ' || (m % 50), 'Model ' || m, '128GB',
       (ARRAY['A', 'B', 'C', 'D', 'E'])[1 + g % 5],
       (ARRAY['resell_retail', 'wholesale_auction', 'refurbish'])[1 + g % 3],
       'Buyer ' || (g % 40),
       CASE WHEN g % 10 = 0 THEN NULL
            ELSE round(((50 + (m * 7919) % 950) * (1 - 0.15 * (g % 5)) * (0.85 + 0.3 * random()))::numeric, 2) END
FROM (SELECT g, (g * 2654435761) % :models AS m FROM generate_series(1, :outcomes) AS g) AS s"""
UNITS = """
INSERT INTO value_units (station_id, unit_uid, sku_key, make, model, capacity, device_class, grade, route,
                         expected_value, lot, seen_at, out_at)
SELECT 'bench-' || (u % 8), 'H' || u, 'make ' || (u % :models % 50) || '|model ' || (u % :models) || '|128gb',
       'Make ' || (u % :models % 50), 'Model ' || (u % :models), '128GB', 'phone', 'B', 'wholesale_auction',
       20 + (u % 400), 'L-' || (u % 2000), :now - (u % 200) * interval '1 day', NULL
FROM generate_series(1, :units) AS u"""
TARGETS = """
INSERT INTO lot_targets (station_id, lot, buyer, target_price, at, by)
SELECT 'bench-' || (l % 8), 'L-' || l, 'Buyer ' || (l % 40), 100 + l % 300, :now - interval '3 days', NULL
FROM generate_series(0, 1999) AS l"""


def fill(store: HubStore, outcomes: int, models: int) -> None:
    with store.session() as s:
        s.execute(text(FILL), {"now": NOW, "models": models, "outcomes": outcomes})
        s.execute(text(UNITS), {"now": NOW, "models": models, "units": models * 20})
        s.execute(text(TARGETS), {"now": NOW})
        tags = tuple(Tag(f"Make {m % 50}", f"Model {m}", "128GB", STAGES[m % 5], date(2026, 1 + m % 11, 1))
                     for m in range(models))
        configdocs.publish(s, lifecycle.KIND, lifecycle.NAME, lifecycle.dump(Lifecycle("1", "bench", tags)))
    with store.engine.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (the PostgreSQL backend): what the work costs whatever else runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--outcomes", type=int, default=1_000_000)
    ap.add_argument("--models", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    pg = PostgresServer().start()
    try:
        store = HubStore(pg.create_database("value_bench"), pool_size=2)
        migrate(store.engine)
        t = time.perf_counter()
        fill(store, args.outcomes, args.models)
        print(f"filled {args.outcomes:,} outcomes, {args.models * 20:,} units on hand, {args.models:,} models "
              f"in {time.perf_counter() - t:.1f} s")
        policy = value_policy.load()
        parts: dict[str, list[float]] = {"total": [], "tags": [], "sales": [], "iri models": [], "iri lots": [],
                                         "bands": []}
        cpu: list[float] = []
        for run in range(args.runs):
            # each run as `station hub bands --publish` in a new process: nothing parsed or folded before
            lifecycle_admin._parsed.cache_clear()
            for cached in (skus.fold, skus.fold_capacity, skus.key):
                cached.cache_clear()
            t0 = time.perf_counter()
            with store.session() as s:
                # one backend does all the work, so its CPU time is what a quiet machine would wait
                s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
                backend = s.execute(text("SELECT pg_backend_pid()")).scalar_one()
                c0, p0 = cpu_seconds(backend), time.process_time()
                r = recompute(s, policy, at=NOW, record=True, publish=True, by="bench")
                cpu.append(cpu_seconds(backend) - c0 + time.process_time() - p0)
            parts["total"].append(time.perf_counter() - t0)
            with store.session() as s:  # the same steps one by one, for where the time goes
                s.execute(text("SET LOCAL work_mem = '128MB'"))
                t1 = time.perf_counter()
                tags = lifecycle_admin.current(s)
                t2 = time.perf_counter()
                groups = risk.sale_groups(s, policy, NOW)
                t3 = time.perf_counter()
                models = risk.models(s, policy, tags, NOW, groups)
                t4 = time.perf_counter()
                risk.lots(s, policy, models, NOW)
                t5 = time.perf_counter()
                pricebands.compute(s, policy, tags, models, NOW, groups)
                t6 = time.perf_counter()
            for k, v in zip(("tags", "sales", "iri models", "iri lots", "bands"),
                            (t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
                parts[k].append(v)
            print(f"run {run + 1}: {parts['total'][-1]:.2f} s wall, {cpu[-1]:.2f} s CPU (hub + PostgreSQL): "
                  f"{len(r.models):,} models and {len(r.lots):,} lots "
                  f"ranked, {len(r.bands.bands):,} bands, {len(r.alerts)} tier alerts, published v{r.published}; "
                  + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in parts.items() if k != "total"), flush=True)
        print(f"medians: CPU {statistics.median(cpu):.2f} s; wall: "
              + ", ".join(f"{k} {statistics.median(v):.2f} s" for k, v in parts.items()))
        store.close()
    finally:
        pg.stop()


if __name__ == "__main__":
    main()

"""Supervisor figures at scale: export 100,000 events' units (20,000) to CSV, XLSX and PDF, and
refresh the dashboard's KPIs with 1,000,000 units in the store.

The store is filled with plain SQL (fast), through the real schema and migrations:
1,000,000 units over the last 200 days, and 100,000 events inside the measured shift.
    python benchmarks/supervisor_bench.py [--units 1000000] [--events 100000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from station import clock, kpis, shifts
from station.context import open_station
from station.reports import shift_pdf, shift_rows, tabular

KINDS = ("unit.scanned", "grade.recorded", "photo.captured", "route.assigned", "label.printed", "unit.finished")


def fill(db: Path, n_units: int, n_events: int, w: shifts.Window) -> None:
    rng = random.Random(1)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    start = w.start - timedelta(days=200)
    span = (w.start - start).total_seconds()
    shift_units = max(1, n_events // 5)
    rows = []
    for i in range(n_units):
        in_shift = i >= n_units - shift_units
        t0 = (w.start + timedelta(seconds=rng.uniform(0, 7 * 3600))) if in_shift else \
            start + timedelta(seconds=rng.uniform(0, span))
        done = t0 + timedelta(minutes=rng.uniform(5, 50))
        finished = clock.iso(done) if (not in_shift or done < w.end) and rng.random() < 0.97 else None
        rows.append((f"U{i:09d}", rng.choice(("phone", "laptop", "drive", "tablet")), "Make", f"Model {i % 300}",
                     f"SN{i:09d}", rng.choice(("finished", "grade")), rng.choice("ABCD"), "F0",
                     rng.choice(("A+", "B", "B-", "C", "D-")), "phone@3", rng.choice(("sanitized", "failed")),
                     rng.choice(("resell_retail", "refurbish", "recycle", "harvest_parts")), rng.uniform(0, 300),
                     rng.uniform(300, 600), clock.iso(t0), clock.iso(t0), finished))
        if len(rows) == 50_000:
            _units(conn, rows)
            rows = []
    _units(conn, rows)
    first_shift_id = n_units - shift_units + 1
    evs = []
    for j in range(n_events):
        unit_id = first_shift_id + j % shift_units
        at = w.start + timedelta(seconds=j * (7 * 3600) / n_events)
        evs.append((j + 1, "bench", unit_id, f"U{unit_id - 1:09d}", KINDS[j % len(KINDS)], "{}", None,
                    rng.choice(("Ann", "Bob", "Cem", "Dee")), clock.iso(at), "0" * 64, f"{j:064x}"))
    conn.executemany("INSERT INTO events (seq, station_id, unit_id, unit_uid, kind, payload, operator_id, "
                     "operator_name, created_at, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)", evs)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def _units(conn: sqlite3.Connection, rows: list[tuple]) -> None:  # type: ignore[type-arg]
    conn.executemany("INSERT INTO units (uid, device_class, make, model, serial, stage, cosmetic_grade, "
                     "functional_code, sale_grade, grade_matrix, wipe_status, route, expected_value, estimated_value, "
                     "created_at, updated_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        ctx = open_station(Path(d))
        w = shifts.shift_at(ctx.config, clock.now() - timedelta(hours=8))
        t0 = time.perf_counter()
        fill(ctx.data.database, args.units, args.events, w)
        print(f"filled {args.units:,} units and {args.events:,} events in {time.perf_counter() - t0:.1f} s")
        out = Path(d)
        csv_t = timed(lambda: tabular.write_csv(shift_rows.shift_log(ctx, w), out / "s.csv"), args.repeat)
        xlsx_t = timed(lambda: tabular.write_xlsx(shift_rows.shift_log(ctx, w), out / "s.xlsx"), args.repeat)
        pdf_t = timed(lambda: shift_pdf.write_pdf(shift_rows.shift_log(ctx, w), kpis.compute(ctx, w), out / "s.pdf",
                                                  station="bench"), max(1, args.repeat // 2))
        rows = len(shift_rows.shift_log(ctx, w).rows)
        kpi_t = timed(lambda: kpis.compute(ctx, w), args.repeat * 2)
        cur = shifts.shift_at(ctx.config)
        kpi_now = timed(lambda: kpis.compute(ctx, cur), args.repeat * 2)
        med = statistics.median
        print(f"export {args.events:,} events ({rows:,} units): CSV median {med(csv_t):.3f} s (goal < 1 s), "
              f"XLSX median {med(xlsx_t):.3f} s (goal < 5 s), PDF median {med(pdf_t):.3f} s (goal < 5 s)")
        print(f"dashboard refresh with {args.units:,} units: busy shift median {med(kpi_t) * 1000:.0f} ms, "
              f"max {max(kpi_t) * 1000:.0f} ms; current shift median {med(kpi_now) * 1000:.0f} ms (goal < 200 ms)")
        ctx.close()


if __name__ == "__main__":
    main()

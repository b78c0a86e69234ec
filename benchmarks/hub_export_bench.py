"""The shift log across stations: 100,000 hub events exported from a real PostgreSQL hub.

Two stations, 5,000 units each, ten events per unit (intake, two photos, wipe start and
end, certificate, grade, route, label, finish) spread over one day, written straight into
a migrated hub database (Debian's PostgreSQL in a temp dir). Then, medians:
  1. the hub's query alone (station.sync.hub.shift_export.shift_rows), for the whole day
     (all 100,000 events) and for one 8-hour shift;
  2. what a supervisor waits for: `GET /v1/export/shift` over HTTP from a hub thread,
     rows converted to the station's zone (station.reports.hub_rows.fetch), then the
     CSV and the XLSX written by the same writers as a station's own export.
Usage: .venv/bin/python benchmarks/hub_export_bench.py [--units 5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from station.context import open_station  # noqa: E402
from station.reports import hub_rows, tabular  # noqa: E402
from station.shifts import Window  # noqa: E402
from station.sync.hub import auth, shift_export  # noqa: E402
from station.sync.hub.db import HubStore, migrate  # noqa: E402
from station.sync.hub.models import HubEvent, HubStation  # noqa: E402
from tests.sync.factory import ThreadHub  # noqa: E402
from tests.sync.pgserver import PostgresServer  # noqa: E402

T0 = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
STATIONS = ("bench-a", "bench-b")
Payload = Callable[[int], dict[str, Any]]
EVENTS: tuple[tuple[str, Payload], ...] = (
    ("unit.created", lambda u: {"identifiers": {"serial": f"S{u}"}, "device_class": "phone", "make": "Google",
                                "model": "Pixel 7", "source": "Acme"}),
    ("photo.captured", lambda _u: {"sha256": "ab" * 32, "shot": "front"}),
    ("photo.captured", lambda _u: {"sha256": "cd" * 32, "shot": "back"}),
    ("wipe.started", lambda u: {"job_id": f"J{u}", "method": "factory-reset"}),
    ("wipe.finished", lambda u: {"job_id": f"J{u}", "status": "FINISHED", "sanitized": u % 10 != 0,
                                 "reason": "" if u % 10 else "Files survived the reset"}),
    ("certificate.issued", lambda u: {"certificate_id": f"C-{u}", "sanitized": u % 10 != 0, "status": "FINISHED"}),
    ("grade.recorded", lambda _u: {"matrix": "phone", "version": "2025.1", "cosmetic": "B", "functional": "FF",
                                  "sale_grade": "B+", "answers": {"power": "yes", "glass": "light"}}),
    ("route.assigned", lambda _u: {"route": "resell_retail", "expected_value": 187.0, "estimated_value": 220.0}),
    ("label.printed", lambda u: {"job": u, "layout": "2x1in"}),
    ("unit.finished", lambda _u: {}),
)


def fill(store: HubStore, units: int) -> int:
    n = 0
    with store.session() as s:
        for st in STATIONS:
            s.add(HubStation(id=st, created_at=T0))
        s.flush()
        for st in STATIONS:
            rows, seq = [], 0
            for u in range(units):
                start = T0 + timedelta(seconds=u * 86400 / units)  # spread over one day
                for i, (kind, payload) in enumerate(EVENTS):
                    seq += 1
                    p = payload(u)
                    rows.append({"station_id": st, "seq": seq, "hash": f"{seq:064d}", "prev_hash": f"{seq - 1:064d}",
                                 "kind": kind, "unit_uid": f"U{st[-1]}{u:08d}",
                                 "operator_name": ("Ann", "Bob", "Cid")[u % 3], "operator_id": 1,
                                 "at": start + timedelta(minutes=3 * i), "body": json.dumps(p), "payload": p,
                                 "received_at": start})
            s.execute(insert(HubEvent), rows)
            n += len(rows)
    with store.session() as s:
        s.execute(text("ANALYZE"))
    return n


def median_s(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=5000, help="units per station (ten events each)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    pg = PostgresServer().start()
    try:
        url = pg.create_database("hub_export_bench")
        store = HubStore(url, pool_size=2)
        migrate(store.engine)
        n = fill(store, args.units)
        windows = (("whole day", Window(T0 - timedelta(hours=1), T0 + timedelta(days=2))),
                   ("one 8 h shift", Window(T0 + timedelta(hours=1), T0 + timedelta(hours=9))))
        print(f"{n:,} events from {len(STATIONS)} stations in the hub; medians of {args.runs} runs\n")
        print("| window | rows | hub query | HTTP fetch (query + JSON + zone) | CSV | XLSX | fetch + CSV |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        hub = ThreadHub(url).start()
        with store.session() as s:
            reader = auth.create_reader(s, "bench")
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "station.toml").write_text(f'[station]\nid = "bench"\ntimezone = "Europe/Berlin"\n'
                                                  f'[sync]\nhub_url = "{hub.url}"\n')
            ctx = open_station(Path(d))
            for label, w in windows:
                def query(w: Window = w) -> list[dict[str, Any]]:
                    with store.session() as s:
                        return shift_export.shift_rows(s, w.start, w.end)

                q, rows = median_s(query, args.runs)
                fetch, log = median_s(partial(hub_rows.fetch, ctx.config, w, None, reader), args.runs)
                csv_s, _ = median_s(partial(tabular.write_csv, log, Path(d) / "x.csv"), args.runs)
                xlsx_s, _ = median_s(partial(tabular.write_xlsx, log, Path(d) / "x.xlsx"), max(1, args.runs // 2))
                print(f"| {label} | {len(rows):,} | {q:.2f} s | {fetch:.2f} s | {csv_s:.2f} s | {xlsx_s:.2f} s | "
                      f"{fetch + csv_s:.2f} s |")
            ctx.close()
        hub.stop()
        store.close()
    finally:
        pg.stop()


if __name__ == "__main__":
    main()

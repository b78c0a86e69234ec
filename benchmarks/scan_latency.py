"""Scan-to-screen latency with 1,000,000 units in the database.

From the moment the last byte of a scan is written into the scanner's pty until the
unit's row is on the Intake panel (the window's next paint + flush after the row changed), through the
real path: pyserial on the pty slave, QSocketNotifier, the scan router, workflow.on_scan
on the database executor (lookup + event + outbox, one fsynced commit), the panel.

    python benchmarks/scan_latency.py [--units 1000000] [--scans 1000] [--db PATH]

Half the scans are IMEIs already in the database (opened with their history), half are
new ones (a unit is created). The database is built once with executemany (units, their
IMEI identifiers and a hash-chained unit.created event each) and reused with --db.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum import luhn
from typing_extensions import override

from station import clock, events

_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _uid(i: int) -> str:
    out = []
    for _ in range(9):
        i, r = divmod(i, 32)
        out.append(_B32[r])
    return "U" + "".join(reversed(out))


def _imei(i: int) -> str:
    body = f"353325{i:08d}"
    return body + luhn.calc_check_digit(body)


def _schema_differs(db: Path) -> bool:
    """True when a kept database predates a change to the (unreleased) schema: it is rebuilt."""
    from station.models import Base

    conn = sqlite3.connect(db)
    try:
        return any({r[1] for r in conn.execute(f"PRAGMA table_info({t.name})")} != {c.name for c in t.columns}
                   for t in Base.metadata.sorted_tables)
    finally:
        conn.close()


def populate(db: Path, count: int, station_id: str) -> None:
    """Bulk-load `count` units the fast way; the schema comes from the station's own migration."""
    from station.context import open_station

    if db.exists() and _schema_differs(db):
        print("  the kept database has an older schema: rebuilding it", flush=True)
        for path in db.parent.glob(db.name + "*"):
            path.unlink()
    ctx = open_station(db.parent)
    ctx.close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    have = conn.execute("select count(*) from units").fetchone()[0]
    if have >= count:
        conn.close()
        return
    t0 = time.perf_counter()
    now = clock.iso()
    prev = events.GENESIS
    chunk = 50_000
    for start in range(have, count, chunk):
        ids = range(start, min(count, start + chunk))
        units, idents, evs = [], [], []
        for i in ids:
            uid, imei = _uid(i + 1), _imei(i)
            units.append((i + 1, uid, "phone", imei, imei, "intake", now, now))
            idents.append((i + 1, "imei", imei))
            payload = {"identifiers": {"imei": imei}, "device_class": "phone", "stage": "intake"}
            body = {"seq": i + 1, "station": station_id, "unit": uid, "kind": "unit.created", "payload": payload,
                    "operator": "Bench", "operator_id": None, "at": now}
            h = events.event_hash(prev, body)
            evs.append((i + 1, station_id, i + 1, uid, "unit.created", events.canonical(payload), None, "Bench",
                        now, prev, h))
            prev = h
        conn.executemany("insert into units (id, uid, device_class, serial, imei, stage, created_at, updated_at) "
                         "values (?,?,?,?,?,?,?,?)", units)
        conn.executemany("insert into unit_identifiers (unit_id, kind, value) values (?,?,?)", idents)
        conn.executemany("insert into events (seq, station_id, unit_id, unit_uid, kind, payload, operator_id, "
                         "operator_name, created_at, prev_hash, hash) values (?,?,?,?,?,?,?,?,?,?,?)", evs)
        conn.commit()
        print(f"  loaded {start + len(ids):,} units ({time.perf_counter() - t0:.0f} s)", flush=True)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def commit_floor(folder: Path, n: int = 300) -> list[float]:
    """The limit for the database part: one-row commits, WAL + synchronous=FULL, same disk (ms)."""
    path = folder / "fsync-floor.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?)", (i,))
        conn.execute("COMMIT")
        times.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.01)
    conn.close()
    for p in folder.glob(path.name + "*"):
        p.unlink()
    return times


def run(db: Path, units: int, scans: int, seed: int) -> None:
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from station import operators
    from station.context import open_station
    from station.devices.manager import DeviceManager
    from station.devices.scanner.serial_scanner import SerialScannerDriver
    from station.sim.scanner import PtyScanner
    from station.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    ctx = open_station(db.parent)
    ctx.config.set("scanner.sound", False)
    if not operators.list_operators(ctx):
        operators.add(ctx, "Bench", "technician", "OP-9001")
    scanner = PtyScanner(db.parent / "by-id" / "usb-Bench_Scanner-if00")
    devices = DeviceManager()
    devices.register(SerialScannerDriver(scanner.path, 115200))
    devices.scan()
    window = MainWindow(ctx, devices, demo=False)
    window.show()
    intake = window.scans.intake
    loop = QEventLoop()
    marks: dict[str, float] = {}

    def on_read(_text: str, _source: str) -> None:
        marks.setdefault("read", time.perf_counter())

    def on_shown(outcome: object) -> None:
        marks["model"] = time.perf_counter()
        marks["action"] = outcome.action  # type: ignore[attr-defined]

    class PaintWatch(QObject):
        """The window's next backing-store update after the row changed: Qt paints every dirty
        widget and flushes the window then. When it returns, the row is on screen."""

        @override
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() != QEvent.Type.UpdateRequest or "model" not in marks or "painted" in marks:
                return False
            window.event(event)
            marks["painted"] = time.perf_counter()
            loop.quit()
            return True

    watch = PaintWatch()
    window.windowHandle().installEventFilter(watch)
    window.installEventFilter(watch)
    window.scans.serial.scanned.connect(on_read)
    intake.shown.connect(on_shown)
    from station import workflow
    from station.ui.ops import pool

    timed_on_scan = workflow.on_scan

    def on_scan(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return timed_on_scan(*args, **kwargs)
        finally:
            marks["db_start"], marks["db_end"] = start, time.perf_counter()

    workflow.on_scan = on_scan  # the router calls it through the module: this times the database part

    def settle() -> None:
        # Technicians scan seconds apart: let the refreshes a scan triggers finish before the next one.
        end = time.perf_counter() + 5
        while time.perf_counter() < end and (pool("db").activeThreadCount() or time.perf_counter() - marks.get(
                "painted", 0) < 0.05):
            app.processEvents()
            time.sleep(0.002)

    give_up = QTimer(singleShot=True, interval=10_000)
    give_up.timeout.connect(loop.quit)

    def scan(text: str) -> dict[str, float]:
        settle()
        marks.clear()
        scanner.send(text)
        t0 = time.perf_counter()
        give_up.start()
        loop.exec()
        give_up.stop()
        return {"t0": t0, **marks}

    scan("OP-9001")
    rng = random.Random(seed)
    fresh = iter(range(units + 10_000_000, units + 20_000_000))
    plan = [("old", _imei(rng.randrange(units))) if rng.random() < 0.5 else ("new", _imei(next(fresh)))
            for _ in range(scans)]
    for _ in range(20):  # warm up caches and the executor thread
        scan(_imei(rng.randrange(units)))
    rows: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for kind, imei in plan:
        m = scan(imei)
        if "painted" not in m:
            raise SystemExit(f"scan {imei} did not reach the screen in 10 s: {window.status.message.text()}")
        rows[kind].append(m)
    everything = rows["old"] + rows["new"]
    print(f"\nscan-to-screen, {units:,} units in the database, {len(everything)} scans "
          f"(opened {len(rows['old'])}, created {len(rows['new'])}):")
    print(f"{'':22} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label, sample, start, end in (
        ("total (all)", everything, "t0", "painted"),
        ("total (opened)", rows["old"], "t0", "painted"),
        ("total (created)", rows["new"], "t0", "painted"),
        ("  pty -> scan read", everything, "t0", "read"),
        ("  read -> on_scan starts", everything, "read", "db_start"),
        ("  on_scan (database)", everything, "db_start", "db_end"),
        ("  result -> row in model", everything, "db_end", "model"),
        ("  paint + flush", everything, "model", "painted"),
    ):
        ms = [(m[end] - m[start]) * 1000 for m in sample]
        print(f"{label:22} {statistics.median(ms):8.2f} {pct(ms, 90):8.2f} {pct(ms, 99):8.2f} {max(ms):8.2f}")
    floor = commit_floor(db.parent)
    print(f"{'  limit: bare commit':22} {statistics.median(floor):8.2f} {pct(floor, 90):8.2f} {pct(floor, 99):8.2f} "
          f"{max(floor):8.2f}   (one-row WAL commit, synchronous=FULL, same disk, n={len(floor)})")
    print(f"database: {db} ({db.stat().st_size / 2**20:,.0f} MiB)")
    window.scans.serial.close()
    devices.close()
    scanner.close()
    window.close()
    ctx.close()
    app.processEvents()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--scans", type=int, default=1000)
    ap.add_argument("--db", type=Path, help="station.sqlite3 to build once and reuse (default: a temp dir)")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="scan-bench-")) / "station.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    os.environ["STATION_DATA_DIR"] = str(db.parent)
    if db.name != "station.sqlite3":
        raise SystemExit("--db must be a path ending in station.sqlite3 (the station's own file name)")
    print(f"building {args.units:,} units in {db} ...", flush=True)
    t0 = time.perf_counter()
    populate(db, args.units, "bench")
    print(f"ready in {time.perf_counter() - t0:.0f} s", flush=True)
    run(db, args.units, args.scans, args.seed)


if __name__ == "__main__":
    main()

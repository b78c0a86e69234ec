"""The hub's web console with 1,000,000 units from 100 stations in a real PostgreSQL.

Ten sites of ten stations; each unit has five events (intake with IMEI and serial, grade, wipe end,
route, finish) and three identifiers, spread evenly over 100 days (the last 7 of them still ahead), written
by INSERT ... SELECT generate_series inside PostgreSQL into unindexed tables, indexes built after
(5,000,000 events, 3,000,000 identifiers). Then,
medians over HTTP against a hub process (`station hub serve`), signed in as an admin (every site) and
as a site manager (one site):
  - the dashboard page, every figure computed before the first byte (no second request is needed to
    see the numbers: the server's answer is the first meaningful paint, less the browser's layout);
  - the htmx refresh of the figures alone;
  - a unit search by IMEI (the whole history across stations) and by unit id.
Then in Debian's chromium (headless, 1280x800, through chromium-driver as the browser tests drive it): the
dashboard's first contentful paint and its "kpis-rendered" mark (set right after the KPI tables), from the
Performance API, and a unit search typed into the form until its history table is on screen.
Usage: nice -n 10 .venv/bin/python benchmarks/console_bench.py [--units 1000000] [--runs 7] [--keep DIR]
With --keep DIR the filled cluster stays in DIR and a later run with the same DIR measures it again at once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from station.operators import hash_pin  # noqa: E402
from station.sync.hub import configdocs, sites  # noqa: E402
from station.sync.hub.db import HubStore, migrate  # noqa: E402
from tests.sync.console import browser  # noqa: E402
from tests.sync.console.conftest import Browser  # noqa: E402
from tests.sync.factory import HubProcess  # noqa: E402
from tests.sync.pgserver import PostgresServer, free_port  # noqa: E402

STATIONS, SITES, DAYS = 100, 10, 100
# The last week of the 100 days lies ahead of the clock, so a database kept with --keep still has the same
# units per hour behind "now" when it is measured again days later.
AHEAD_DAYS = 7
# A bulk load's server: no WAL for tables filled in the transaction that emptied them, no checkpoint midway.
SERVER = ("wal_level=minimal", "max_wal_senders=0", "max_wal_size=8GB", "checkpoint_timeout=1h")
# (kind, minutes after intake, payload as SQL over u, the unit number)
KINDS = (
    ("unit.created", 0, "jsonb_build_object('identifiers', jsonb_build_object('imei', 350000000000000 + u, "
                        "'serial', 'SN' || u), 'device_class', 'phone', 'make', 'Google', 'model', 'Pixel 7')"),
    ("grade.recorded", 4, "jsonb_build_object('sale_grade', (ARRAY['A','B+','B','C','D'])[1 + u % 5], "
                          "'matrix', 'phone', 'version', '2025.1', 'cosmetic', 'B', 'functional', 'FF')"),
    ("wipe.finished", 9, "jsonb_build_object('status', CASE WHEN u % 20 = 0 THEN 'FAILED' ELSE 'FINISHED' END, "
                         "'sanitized', u % 20 <> 0, 'reason', CASE WHEN u % 20 = 0 THEN 'verify mismatch at 12%' "
                         "ELSE '' END, 'method', 'factory-reset')"),
    ("route.assigned", 12, "jsonb_build_object('route', (ARRAY['resell_retail','resell_wholesale','parts',"
                           "'recycle'])[1 + u % 4], 'expected_value', 40 + u % 150, 'estimated_value', 60 + u % 150)"),
    ("unit.finished", 15, "'{}'::jsonb"),
)


# Indexes and constraints of the bulk-loaded tables: dropped before the fill and built again after it from
# their own definitions (pg_indexes, pg_get_constraintdef), so the schema is migrate()'s, to the letter.
_BULK = ("events", "unit_identifiers")


def _unindex(s: Session) -> list[str]:
    keys = s.execute(text("""
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
        FROM pg_constraint c WHERE c.conrelid::regclass::text = ANY(:t) AND c.contype IN ('p', 'f', 'u')
        ORDER BY c.contype = 'f', c.conname"""), {"t": list(_BULK)}).all()
    owned = {name for _t, name, _d, _k in keys}
    indexes = s.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t) "
                             "ORDER BY indexname"), {"t": list(_BULK)}).all()
    rebuild = [d for name, d in indexes if name not in owned]
    rebuild += [f'ALTER TABLE {t} ADD CONSTRAINT "{name}" {d}' for t, name, d, _k in keys]
    for t, name, _d, _k in sorted(keys, key=lambda k: k[3] != "f"):  # foreign keys first
        s.execute(text(f'ALTER TABLE {t} DROP CONSTRAINT "{name}"'))
    for name, _d in indexes:
        if name not in owned:
            s.execute(text(f'DROP INDEX "{name}"'))
    return rebuild


def fill(store: HubStore, units: int) -> float:
    """One INSERT ... SELECT per table, into tables without indexes, in unit order (a unit's events lie
    together, as a station's sync writes them); then the indexes and keys, each built by one sort."""
    t0 = time.perf_counter()
    spacing = DAYS * 86400.0 / units  # seconds between two intakes, fleet-wide
    kinds = ", ".join(f"({k}, '{kind}', {minutes}, {payload})" for k, (kind, minutes, payload) in enumerate(KINDS))
    with store.session() as s:
        s.execute(text("SET LOCAL synchronous_commit = off"))
        s.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        for i in range(SITES):
            sites.ensure(s, f"site-{i}", "https://hub.example/verify")
        s.execute(text("INSERT INTO stations (id, site_id, created_at, head_seq, head_hash) "
                       "SELECT 'st-' || lpad(n::text, 3, '0'), 'site-' || (n % :sites), now(), 0, '' "
                       "FROM generate_series(0, :n - 1) n"), {"n": STATIONS, "sites": SITES})
        rebuild = _unindex(s)
        # emptied in this transaction: with wal_level=minimal the rows and indexes below skip the WAL
        s.execute(text(f"TRUNCATE {', '.join(_BULK)}"))
        s.execute(text(f"""
            INSERT INTO events (station_id, seq, hash, prev_hash, kind, unit_uid, operator_name, operator_id,
                                at, body, payload, received_at)
            SELECT 'st-' || lpad((u % :stations)::text, 3, '0'), (u / :stations) * :kinds + k.k + 1,
                   md5(u::text || k.kind) || md5(k.kind || u::text), md5(u::text) || md5(u::text || 'p'),
                   k.kind, 'U' || lpad(u::text, 8, '0'), (ARRAY['Ann','Bob','Cid'])[1 + u % 3], 1 + u % 3,
                   t + make_interval(mins => k.minutes), '{{}}', k.payload, t + make_interval(mins => k.minutes)
            FROM (SELECT u, now() + make_interval(days => :ahead) - make_interval(secs => (:units - u) * :spacing) AS t
                  FROM generate_series(0, :units - 1) u) g
            CROSS JOIN LATERAL (VALUES {kinds}) AS k(k, kind, minutes, payload)"""),
            {"stations": STATIONS, "kinds": len(KINDS), "units": units, "spacing": spacing, "ahead": AHEAD_DAYS})
        s.execute(text("""
            INSERT INTO unit_identifiers (value, kind, station_id, unit_uid)
            SELECT v, kind, 'st-' || lpad((u % :stations)::text, 3, '0'), 'U' || lpad(u::text, 8, '0')
            FROM generate_series(0, :units - 1) u,
                 LATERAL (VALUES ((350000000000000 + u)::text, 'imei'), ('SN' || u, 'serial'),
                                 ('U' || lpad(u::text, 8, '0'), 'uid')) ids(v, kind)"""),
                  {"stations": STATIONS, "units": units})
        for statement in rebuild:
            s.execute(text(statement))
        s.execute(text("UPDATE stations SET head_seq = :h, last_seen_at = now()"),
                  {"h": units // STATIONS * len(KINDS)})
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - t0


def median_ms(b: Browser, path: str, runs: int, **params: object) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        r = b.get(path, params=params)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        size = len(r.content)
    return statistics.median(times), size


def in_chromium(url: str, runs: int, unit: int) -> None:
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory() as d:
        driver = browser.start(Path(d))
    try:
        # Sam manages site-3: stations n with n % 10 == 3, so units u with u % 10 == 3
        for account, pin, label, u in (("Ada", "111111", "admin, all sites", unit),
                                       ("Sam", "222222", "site manager", unit - unit % 10 + 3)):
            imei = str(350000000000000 + u)
            driver.get(url + "/console/sign-in")
            driver.delete_all_cookies()
            driver.get(url + "/console/sign-in")
            driver.find_element(By.NAME, "login").send_keys(account)
            driver.find_element(By.NAME, "secret").send_keys(pin)
            driver.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
            browser.wait(lambda: "/sign-in" not in driver.current_url)
            fcp, mark = [], []
            for _ in range(runs):
                driver.get(url + "/console/dashboard?hours=8")
                got = driver.execute_script(
                    "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                    "const m = performance.getEntriesByName('kpis-rendered')[0];"
                    "return [p ? p.startTime : null, m ? m.startTime : null]")
                if got[0] is None:  # painting is reported a frame later than the load event
                    got[0] = browser.wait(lambda: driver.execute_script(
                        "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                        "return p ? p.startTime : null"))
                fcp.append(got[0])
                mark.append(got[1])
            print(f"| chromium: dashboard first contentful paint, 8 h | {label} | "
                  f"{statistics.median(fcp):.0f} ms | |")
            print(f"| chromium: dashboard KPI tables rendered (mark), 8 h | {label} | "
                  f"{statistics.median(mark):.0f} ms | |", flush=True)
            answered, painted = [], []
            for _ in range(runs):
                driver.get(url + "/console/units")
                box = driver.find_element(By.NAME, "q")
                box.send_keys(imei)
                box.submit()
                browser.wait(lambda: driver.find_elements(By.XPATH, "//h2[.='History across stations']"))
                # times from the form's submission (the results page's navigation start)
                answered.append(driver.execute_script(
                    "return performance.getEntriesByType('navigation')[0].responseEnd"))
                painted.append(browser.wait(lambda: driver.execute_script(
                    "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                    "return p ? p.startTime : null")))
            print(f"| chromium: unit search by IMEI, submit to answer received | {label} | "
                  f"{statistics.median(answered):.0f} ms | |")
            print(f"| chromium: unit search by IMEI, submit to first contentful paint | {label} | "
                  f"{statistics.median(painted):.0f} ms | |", flush=True)
    finally:
        driver.quit()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="keep the filled PostgreSQL cluster in DIR; a later run with the same DIR measures it "
                         "again without filling (the units it holds, not --units, are measured)")
    ap.add_argument("--fill-only", action="store_true", help="fill (or find) the database, measure nothing")
    args = ap.parse_args()
    pg = PostgresServer(keep=args.keep, settings=SERVER)
    filled_before = pg.reused
    pg.start()
    try:
        url = pg.url("console_bench")
        if not filled_before:
            pg.create_database("console_bench")
        store = HubStore(url, pool_size=2)
        filled = None
        if not filled_before:
            migrate(store.engine)
            filled = fill(store, args.units)
        with store.session() as s:
            events = s.execute(text("SELECT count(*) FROM events")).scalar() or 0
            args.units = events // len(KINDS)
            roster = [{"badge": "SUP-1", "name": "Ada", "role": "supervisor", "pin_hash": hash_pin("111111"),
                       "console": "admin"},
                      {"badge": "SUP-2", "name": "Sam", "role": "supervisor", "pin_hash": hash_pin("222222"),
                       "console": "site_manager", "site": "site-3"}]
            configdocs.publish(s, "operators", "console", json.dumps(roster))
        how = f"written in {filled:.0f} s" if filled is not None else f"filled before, in {args.keep}"
        print(f"{args.units:,} units, {events:,} events from {STATIONS} stations in {SITES} sites, "
              f"{how}; medians of {args.runs} requests\n")
        if args.fill_only:
            store.close()
            return
        with tempfile.TemporaryDirectory() as d:
            hub = HubProcess(url, free_port(), Path(d)).start()
            try:
                admin, manager = Browser(hub.url), Browser(hub.url)
                assert admin.sign_in("Ada", "111111").status_code == 303
                assert manager.sign_in("Sam", "222222").status_code == 303
                u = args.units // 2
                print("| request | account | median | bytes |\n|---|---|---:|---:|")
                for label, b, who, path, params in (
                    ("dashboard page, last 8 h", admin, "admin, all sites", "/console/dashboard", {"hours": 8}),
                    ("dashboard page, last 8 h", manager, "site manager", "/console/dashboard", {"hours": 8}),
                    ("dashboard page, last 24 h", admin, "admin, all sites", "/console/dashboard", {"hours": 24}),
                    ("htmx refresh of the figures, 8 h", admin, "admin, all sites", "/console/dashboard/kpis",
                     {"hours": 8}),
                    ("unit search by IMEI", admin, "admin, all sites", "/console/units",
                     {"q": str(350000000000000 + u)}),
                    ("unit search by unit id", admin, "admin, all sites", "/console/units", {"q": f"U{u:08d}"}),
                    ("unit search by IMEI", manager, "site manager", "/console/units",
                     {"q": str(350000000000000 + u)}),
                ):
                    ms, size = median_ms(b, path, args.runs, **params)
                    print(f"| {label} | {who} | {ms:.0f} ms | {size:,} |", flush=True)
                in_chromium(hub.url, args.runs, u)
            finally:
                hub.stop()
        store.close()
    finally:
        pg.stop()


if __name__ == "__main__":
    main()

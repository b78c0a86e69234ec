"""Fault and fuzz counts for the store and the parsers (issue: nothing lost without notice).

Counts, not timings: how many injected losses `db check` reports (and with the right range),
how many damaged files pass as healthy, how many fuzzed inputs end in a traceback.

    .venv/bin/python benchmarks/fault_counts.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from station import events, store
from station.context import open_station
from station.errors import UserFacingError


def _last_seq(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])
    except sqlite3.DatabaseError:
        return -1
    finally:
        conn.close()


def wal_faults(tmp: Path, rng: random.Random, trials: int) -> dict[str, Counter[str]]:
    """Snapshots of a running station (main file + WAL + head record), then the WAL deleted, flipped or cut."""
    ctx = open_station(tmp / "live")
    for i in range(10):
        with ctx.store.session() as s:
            events.append(s, ctx.actor, "station.started", {"i": i})
    conn = sqlite3.connect(ctx.data.database)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    snaps = []
    for i in range(50):
        with ctx.store.session() as s:
            head = events.append(s, ctx.actor, "station.started", {"i": i, "pad": "x" * rng.randrange(400)}).seq
        snaps.append((head, ctx.data.database.read_bytes(), Path(f"{ctx.data.database}-wal").read_bytes(),
                      ctx.store.anchor_path.read_bytes()))
    ctx.close()
    out: dict[str, Counter[str]] = {}
    for fault in ("deleted", "flipped", "truncated"):
        c: Counter[str] = Counter()
        for t in range(trials):
            head, main, wal, anchor = rng.choice(snaps)
            d = tmp / f"{fault}{t}"
            d.mkdir()
            db = d / "station.sqlite3"
            db.write_bytes(main)
            (d / "station.chain-head.json").write_bytes(anchor)
            if fault == "flipped":
                raw = bytearray(wal)
                raw[rng.randrange(32, len(raw))] ^= 1 << rng.randrange(8)
                Path(f"{db}-wal").write_bytes(bytes(raw))
            elif fault == "truncated":
                Path(f"{db}-wal").write_bytes(wal[: rng.randrange(len(wal))])
            try:
                report = store.check(db)
            except Exception:
                c["traceback"] += 1
                continue
            kept = _last_seq(db)
            text = "\n".join(report.lines)
            if kept < head:
                c["events lost"] += 1
                span = f"#{kept + 1} to #{head}" if kept + 1 < head else f"event #{head} is"
                c["  reported with its range" if (not report.ok and span in text) else "  NOT reported"] += 1
            elif not report.ok:
                c["no loss, flagged (damaged WAL frame kept)"] += 1
            else:
                c["no loss, healthy"] += 1
            shutil.rmtree(d)
        out[f"WAL {fault}"] = c
    return out


def sql_deletes(tmp: Path, rng: random.Random, trials: int) -> Counter[str]:
    ctx = open_station(tmp / "sql")
    for i in range(60):
        with ctx.store.session() as s:
            events.append(s, ctx.actor, "station.started", {"i": i})
    ctx.close()
    c: Counter[str] = Counter()
    for t in range(trials):
        d = tmp / f"sql{t}"
        d.mkdir()
        shutil.copy(ctx.data.database, d / "station.sqlite3")
        shutil.copy(ctx.store.anchor_path, d / "station.chain-head.json")
        k = rng.randint(1, 20)
        conn = sqlite3.connect(d / "station.sqlite3")
        conn.execute("DELETE FROM events WHERE seq > ?", (60 - k,))
        conn.commit()
        conn.close()
        report = store.check(d / "station.sqlite3")
        c["deleted"] += 1
        c["reported" if not report.ok and "missing" in "\n".join(report.lines) else "NOT reported"] += 1
    return c


def byte_flips(tmp: Path, rng: random.Random, trials: int) -> Counter[str]:
    ctx = open_station(tmp / "flips")
    for i in range(200):
        with ctx.store.session() as s:
            events.append(s, ctx.actor, "station.started", {"i": i, "note": "ü" * (i % 30)})
    ctx.close()
    db = ctx.data.database

    def dump(path: Path) -> Any:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.text_factory = bytes
        try:
            names = [r[0].decode() for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return [conn.execute(f"SELECT * FROM {n} ORDER BY 1").fetchall() for n in sorted(names)]
        except sqlite3.DatabaseError:
            return None
        finally:
            conn.close()

    original, size = dump(db), db.stat().st_size
    c: Counter[str] = Counter()
    for t in range(trials):
        d = tmp / f"flip{t}"
        d.mkdir()
        copy = d / db.name
        raw = bytearray(db.read_bytes())
        raw[rng.randrange(size)] ^= 1 << rng.randrange(8)
        copy.write_bytes(bytes(raw))
        shutil.copy(ctx.store.anchor_path, d / ctx.store.anchor_path.name)
        try:
            report = store.check(copy)
        except Exception:
            c["traceback"] += 1
            continue
        changed = dump(copy) != original
        c[("healthy" if report.ok else "NOT healthy") + (", data changed" if changed else ", data unchanged")] += 1
    return c


def fuzz(rng: random.Random, n: int) -> dict[str, Counter[str]]:
    import string

    from station.certs import certificate
    from station.certs import verify as cert_verify
    from station.commands import cert as cert_cmd
    from station.config import BY_KEY, Config
    from station.devices.drive.parsers import parse_json
    from station.errors import ConfigError
    from station.identifiers import classify
    from tests.erase.test_certificate import result
    from tests.test_fuzz_parsers import DATA_FILES, OTHER_TYPES, damage_text, retype

    out: dict[str, Counter[str]] = {}

    def run(name: str, fn: Any, count: int) -> None:
        c: Counter[str] = Counter()
        for _ in range(count):
            try:
                fn()
                c["result"] += 1
            except UserFacingError:
                c["sentence"] += 1
            except Exception as exc:
                c[f"traceback {type(exc).__name__}"] += 1
        out[name] = c

    prefixes = [f"]{a}{b}" for a in string.ascii_letters for b in string.ascii_letters + string.digits]
    alphabet = string.printable + "\x1d\xe9\u20ac"
    run("identify", lambda: classify(rng.choice(["", *prefixes]) + "".join(
        rng.choice(alphabet) for _ in range(rng.randrange(40)))), n)
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "drives"
    docs = [json.loads(p.read_text(errors="replace")) for p in sorted(corpus.rglob("*.json"))]
    run("plan --facts-from (retyped JSON)", lambda: parse_json(retype(rng.choice(docs), rng, rng.randint(1, 3))), n)
    tmp = Path(tempfile.mkdtemp())
    ctx = open_station(tmp / "cert")
    cert_doc = json.loads(certificate.issue(ctx, result(), None).json_path.read_bytes())
    ctx.close()
    lookup = cert_cmd._lookup(ctx.data)
    run("cert verify (retyped)", lambda: cert_verify.verify_bytes(
        json.dumps(retype(cert_doc, rng, rng.randint(1, 3))).encode(), trusted=None, lookup=lookup), n)
    shown = tmp / "show.json"

    def show() -> None:
        shown.write_text(json.dumps(retype(cert_doc, rng, rng.randint(1, 3))))
        cert_cmd._show(argparse.Namespace(file=shown, json=rng.random() < 0.1))

    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        run("cert show (retyped)", show, n)
    for kind, load, files in DATA_FILES:
        texts = [(p, p.read_text()) for p in files]

        def one(load: Any = load, texts: list[tuple[Path, str]] = texts) -> None:
            p, text = rng.choice(texts)
            load(damage_text(text, rng), p)
        run(f"{kind} loader (damaged)", one, n)
    keys = sorted(BY_KEY)

    def setting() -> None:
        try:
            Config({rng.choice(keys): rng.choice([*OTHER_TYPES, float("nan"), -5, 0, 10**6, "zpl2"])})
        except ConfigError as exc:
            raise UserFacingError(str(exc)) from exc
    run("settings values", setting, n)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rng = random.Random(21)
    trials, n = (20, 500) if args.quick else (100, 10_000)
    tmp = Path(tempfile.mkdtemp(prefix="faults-"))
    try:
        for name, c in wal_faults(tmp, rng, trials).items():
            print(f"{name} ({trials} trials): {dict(c)}")
        print(f"last events deleted with SQL ({trials} trials): {dict(sql_deletes(tmp, rng, trials))}")
        print(f"random byte flips in station.sqlite3 ({trials}): {dict(byte_flips(tmp, rng, trials))}")
        for name, c in fuzz(rng, n).items():
            print(f"fuzz {name} ({n}): {dict(c)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Grading, routing and lot manifest figures on this machine.

    python benchmarks/grading_bench.py [--units 2000]

- evaluate(): every answer path of the phone matrix, microseconds per grade
- record(): grade + unit fields + hash-chained event in one fsynced transaction, p50/p95 ms
- decide(): the disposition rules for every class x grade x functional x wipe status, microseconds each
- a lot manifest of N units to CSV and XLSX, seconds
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from station import disposition, grading, lot_manifest, lots, units
from station.context import open_station
from station.disposition_rules import WIPE_STATUSES, load
from station.grading.evaluate import FUNCTIONAL_CODES, SUFFIX, evaluate
from station.grading.library import SHIPPED_DIR, load_dir
from station.grading.matrix import CLASSES, COSMETIC, Matrix
from station.models import Grade

ANSWERS = {"power": "yes", "glass": "light", "display": "perfect", "housing": "flawless", "locks": "none",
           "tests": "passed", "battery": "good", "liquid": "clean"}


def paths(m: Matrix, i: int = 0, answers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    answers = answers if answers is not None else {}
    while i < len(m.questions) and not m.questions[i].applies(answers):
        i += 1
    if i == len(m.questions):
        yield dict(answers)
        return
    q = m.questions[i]
    for o in q.options:
        answers[q.key] = o.key
        yield from paths(m, i + 1, answers)
        del answers[q.key]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=2000, help="units in the manifest lot")
    args = ap.parse_args()
    phone = next(m for m in load_dir(SHIPPED_DIR) if m.id == "phone")
    all_paths = list(paths(phone))
    t = time.perf_counter()
    for a in all_paths:
        evaluate(phone, a)
    per = (time.perf_counter() - t) / len(all_paths) * 1e6
    print(f"evaluate: {len(all_paths)} phone answer paths, {per:.1f} us per grade")

    rules = load()
    facts = [disposition.Facts(c, "Pixel 7", g, f, g + SUFFIX[f], w)
             for c in CLASSES for g in COSMETIC for f in FUNCTIONAL_CODES for w in WIPE_STATUSES]
    t = time.perf_counter()
    for _ in range(20):
        for f in facts:
            disposition.decide(rules, f)
    print(f"decide: {len(facts) * 20} decisions, {(time.perf_counter() - t) / (len(facts) * 20) * 1e6:.1f} us each")

    with tempfile.TemporaryDirectory() as tmp:
        ctx = open_station(Path(tmp) / "data")
        with ctx.store.session() as s:
            uids = [units.create(s, ctx.actor, {"serial": f"BENCH{i:06d}"}, device_class="phone", model="Pixel 7",
                                 wipe_status="sanitized").uid for i in range(args.units)]
        times = []
        for uid in uids[:200]:
            t = time.perf_counter()
            grading.record(ctx, uid, ANSWERS)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        print(f"record: 200 grades, p50 {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms"
              " (one fsynced transaction each)")
        with ctx.store.session() as s:  # the rest graded in bulk: the manifest is what is measured next
            first = s.execute(select(Grade).order_by(Grade.id).limit(1)).scalar_one()
            for uid in uids[200:]:
                u = units.by_uid(s, uid)
                units.touch(u, cosmetic_grade="B", functional_code="FF", sale_grade="B+", grade_matrix=phone.ref)
                # the grade's answers (locks checked, no defects) are what lots and gates read
                s.add(Grade(unit_id=u.id, matrix_id=first.matrix_id, matrix_version=first.matrix_version,
                            matrix_hash=first.matrix_hash, answers=first.answers, cosmetic="B", functional="FF",
                            sale_grade="B+", crosswalks=first.crosswalks, defects="[]", computed_grade="B+",
                            created_at=first.created_at))
        code = lots.create(ctx).code
        t = time.perf_counter()
        for uid in uids:
            lots.add(ctx, code, uid)
        add_ms = (time.perf_counter() - t) / len(uids) * 1000
        print(f"lots.add: {len(uids)} units scanned into one lot, {add_ms:.1f} ms each")
        for fmt in ("csv", "xlsx"):
            t = time.perf_counter()
            lot_manifest.export(ctx, code, fmt, Path(tmp) / f"m.{fmt}")
            print(f"manifest {fmt}: {len(uids)} units in {time.perf_counter() - t:.2f} s")
        ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

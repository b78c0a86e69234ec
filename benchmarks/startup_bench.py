"""Cold start to ready-to-scan: process start -> main window shown with devices scanned.

Each run uses a NEW data dir (database created and migrated, settings loaded, demo
devices started), which is the slowest start a technician sees.
    python benchmarks/startup_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def one_run(platform: str, data_dir: str | None = None) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as fresh:
        d = data_dir or fresh
        env = dict(os.environ, STATION_EXIT_WHEN_READY="1", STATION_DATA_DIR=d, QT_QPA_PLATFORM=platform)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "station", "demo"], env=env, capture_output=True,
                             text=True, check=True).stdout
        wall = time.perf_counter() - t0
    inside = float(next(line.split()[1] for line in out.splitlines() if line.startswith("ready")))
    return wall, inside


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--platform", default="offscreen")
    args = ap.parse_args()
    one_run(args.platform)  # warm the OS file cache once
    with tempfile.TemporaryDirectory() as kept:
        one_run(args.platform, kept)  # the bench's usual start: its data dir exists
        for label, data_dir in (("first start (new data dir)", None), ("usual start (existing data dir)", kept)):
            walls, insides = zip(*(one_run(args.platform, data_dir) for _ in range(args.runs)), strict=True)
            q = statistics.quantiles(walls, n=10)
            print(f"{label}, {args.runs} runs, {args.platform}: process start -> ready to scan "
                  f"median {statistics.median(walls):.3f} s, p90 {q[-1]:.3f} s, max {max(walls):.3f} s; "
                  f"inside the app (QApplication -> window shown) median {statistics.median(insides):.3f} s")


if __name__ == "__main__":
    main()

"""VM rig figures: initramfs build, accelerator choice, boot, command round trip, the warm station
runner, one `station drives` and one NVMe Purge; with --suite, the whole tests/vm run as well.

    python benchmarks/rig_bench.py [--boots N] [--suite]

Prints one line per figure. TCG speed depends entirely on how busy the host is: note the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.rig import initramfs  # noqa: E402
from tests.rig.accel import choose_accel  # noqa: E402
from tests.rig.disks import MiB, standard_disks  # noqa: E402
from tests.rig.vm import VM  # noqa: E402


def timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    value = fn(*args, **kwargs)
    print(f"{label}: {time.monotonic() - t0:.1f} s", flush=True)
    return value


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--boots", type=int, default=2, help="boots to time (median reported)")
    ap.add_argument("--suite", action="store_true", help="also time `pytest tests/vm`")
    args = ap.parse_args()
    print(f"host: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    with tempfile.TemporaryDirectory(prefix="rig-bench-") as tmp:
        work = Path(tmp)
        boot = timed("initramfs build (modules, depmod, cpio, vmlinux extraction)", initramfs.build, work / "boot")
        accel, why = timed("accelerator choice (KVM probe)", choose_accel, boot, work / "probe")
        print(f"accelerator: {accel} ({why})")
        boots = []
        for n in range(args.boots):
            vm = VM(boot, work / f"vm{n}", standard_disks(16 * MiB), accel=accel)
            try:
                vm.start()
                boots.append(vm.boot_seconds)
                print(f"boot {n + 1}: {vm.boot_seconds:.1f} s to a ready agent", flush=True)
                if n == args.boots - 1:
                    trips = [vm.run("true").seconds for _ in range(10)]
                    print(f"command round trip (true): median {statistics.median(trips) * 1000:.0f} ms")
                    info = timed("station runner warm-up (import the CLI once)", vm.start_station)
                    print(f"station runner: {info['modules']} modules imported in {info['seconds']:.1f} s in the guest")
                    data = vm.guest_path(vm.share) + "/data"
                    first = vm.station("--data-dir", data, "drives", "--json").check()
                    print(f"station drives --json (first, creates the database): {first.seconds:.1f} s")
                    again = vm.station("--data-dir", data, "drives", "--json").check()
                    print(f"station drives --json (again): {again.seconds:.1f} s")
                    purge = vm.station("--data-dir", data, "wipe", "--method", "purge", "--yes", "--json",
                                       "RIGNVME0001").check()
                    print(f"station wipe --method purge (16 MiB NVMe): {purge.seconds:.1f} s")
            finally:
                vm.stop()
        print(f"boot: median {statistics.median(boots):.1f} s over {len(boots)}")
    if args.suite:
        t0 = time.monotonic()
        rc = subprocess.call([sys.executable, "-m", "pytest", "tests/vm", "-q", "-p", "tests.no_skip"], cwd=ROOT,
                             env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        print(f"pytest tests/vm: {time.monotonic() - t0:.0f} s (exit {rc})")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Wipe engine against `dd` (the device limit) and Debian's `nwipe` (the open-source peer).

Run as root:  .venv/bin/python benchmarks/wipe_bench.py [--size-gib 2] [--runs 3] [--drives 4] [--rig all]

Loop devices over preallocated (fallocate) files, each written once before timing,
because first writes into unwritten extents run several times slower and would skew
whichever contender goes first. Contenders alternate within each run (the order
rotates every run); the figures are medians. Before each contender every dirty page is
written back (untimed), so nobody pays for the one before. Single-drive contenders use
loop 0; the parallel ones use all drives at once.

Three rigs, one after the other (`--rig all`, the default; `both` is direct and cached):
  direct  `losetup --direct-io=on`: writes go through to the disk, as on a drive; the
          flush at the end of a pass is a drive-cache flush. This is the device limit.
  cached  plain loop devices: a write lands in the backing file's page cache (RAM), so
          `dd oflag=direct` measures memory speed, and a flush writes the whole pass to
          disk. The engine flushes at the end of every pass (a certificate must not count
          bytes still in a volatile cache), so here `dd + fsync` is the like-for-like limit.
  drive-rate  the direct rig with each loop capped at --drive-rate-mbps (2000: an NVMe
          drive's sequential write) by the kernel's block throttle (cgroup blkio, or io.max
          on cgroup v2). The other rigs run at memory speed, faster than most drives, where
          what a pass sends out of RAM decides; at a drive's rate the question is whether
          keystream generation keeps up with the drive. (At a 3000 MB/s cap this VM's
          throttle let zero passes through at 3.6 GB/s, so the cap did not hold.)

  dd write        dd if=/dev/zero of=L oflag=direct bs=4M      (the write limit)
  dd write+fsync  the same with conv=fsync: flushes at the end, as every engine pass does
  dd read         dd if=L of=/dev/null iflag=direct bs=4M      (the read limit)
  engine write    one zero pass, in-process (station.erase.engine.write_pass)
  engine random   one AES-256-CTR pass, in-process
  dd random data  dd copying a pass of keystream from /dev/shm (dd's own copy included)
  premade random  the engine's I/O (same block, pwrite, flush at the end) of a keystream made
                  before timing, every block distinct and already in RAM: the limit for random
                  data, i.e. the random pass with generation costing nothing
  premade ring    the same I/O from as many buffers as the random pass cycles through
                  (patterns.DEPTH), filled before timing and reused block after block: the
                  random pass's buffers with nothing filled during the pass
  engine read     full read-back compared with zeros, in-process
  job zero+full   `python -m station.erase.worker` (the product's process), zero + full verify
  job random+10%  the worker, random pass + NIST 800-88 sampled verification (10 %)
  nwipe           nwipe --autonuke --nogui --nowait --method=zero --verify=last
  4x dd / 4x job  every drive at once: dd writes (with and without fsync), or one worker
                  per drive (zero, no verify)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.erase.throttle

from station.erase import discover, engine, patterns, verify  # noqa: E402
from station.erase.procedure import JobSpec  # noqa: E402
from station.erase.worker import write_json_atomic  # noqa: E402
from tests.erase.throttle import Throttle  # noqa: E402

MiB = 1 << 20
PREMADE = "engine I/O of premade random data (every block distinct)"
PREMADE_RING = f"engine I/O of premade random data in {patterns.DEPTH} buffers, reused"


class Rig:
    def __init__(self, folder: Path, size: int, drives: int, block: int, loop_direct_io: bool = False) -> None:
        self.folder, self.size, self.block = folder, size, block
        self.loops: list[str] = []
        for i in range(drives):
            image = folder / f"drive{i}.img"
            subprocess.run(["fallocate", "-l", str(size), str(image)], check=True)
            direct = ["--direct-io=on"] if loop_direct_io else []
            self.loops.append(subprocess.run(["losetup", "--find", "--show", *direct, str(image)], check=True,
                                             capture_output=True, text=True).stdout.strip())
        for loop in self.loops:
            self.dd_write(loop)  # condition: allocate every block before anything is timed
        self.jobs = 0
        self._random: Path | None = None
        self._premade: list[patterns.AlignedBuffer] = []
        self.inside: dict[str, list[float]] = {}  # the workers' own timing, without process start-up

    def close(self) -> None:
        for buf in self._premade:
            buf.close()
        if self._random is not None:
            self._random.unlink(missing_ok=True)
        for loop in self.loops:
            subprocess.run(["losetup", "-d", loop], capture_output=True)

    # -- contenders -----------------------------------------------------------------------
    def dd_write(self, loop: str, *extra: str) -> None:
        subprocess.run(["dd", "if=/dev/zero", f"of={loop}", "oflag=direct", "bs=4M", f"count={self.size // (4 * MiB)}",
                        "status=none", *extra], check=True)

    def dd_write_random(self, loop: str) -> None:
        """The device limit for random data: dd copying a keystream already in RAM (/dev/shm)."""
        subprocess.run(["dd", f"if={self.random_source()}", f"of={loop}", "oflag=direct", "bs=4M",
                        f"count={self.size // (4 * MiB)}", "status=none"], check=True)

    def random_source(self) -> Path:
        if self._random is None:
            self._random = Path("/dev/shm", f"{self.folder.name}-random.bin")
            stream, buf = patterns.AesCtrStream(os.urandom(32)), patterns.AlignedBuffer(4 * MiB)
            with open(self._random, "wb") as fh:
                for offset in range(0, self.size, 4 * MiB):
                    stream.fill(buf, offset, 4 * MiB)
                    fh.write(buf.view)
            buf.close()
        return self._random

    def premade(self) -> list[patterns.AlignedBuffer]:
        """A whole pass of keystream in engine-sized, page-aligned buffers, made once."""
        if not self._premade:
            stream = patterns.AesCtrStream(os.urandom(32))
            for offset in range(0, self.size, self.block):
                buf = patterns.AlignedBuffer(self.block)
                stream.fill(buf, offset, self.block)
                self._premade.append(buf)
        return self._premade

    def engine_write_premade(self, loop: str, buffers: list[patterns.AlignedBuffer]) -> None:
        """The engine's write I/O (block, pwrite_all, flush at the end) with nothing to generate."""
        dev = engine.open_device(loop, write=True)
        try:
            for i, offset in enumerate(range(0, self.size, self.block)):
                engine.pwrite_all(dev.fd, buffers[i % len(buffers)].view, offset)
            dev.sync()
        finally:
            dev.close()

    def dd_read(self, loop: str) -> None:
        subprocess.run(["dd", f"if={loop}", "of=/dev/null", "iflag=direct", "bs=4M", "status=none"], check=True)

    def engine_write(self, loop: str, pattern: patterns.Pattern) -> None:
        dev = engine.open_device(loop, write=True)
        try:
            engine.write_pass(dev, pattern, block=self.block, retries=0, progress=lambda _n: None,
                              should_stop=lambda: False)
        finally:
            dev.close()

    def engine_read(self, loop: str) -> None:
        dev = engine.open_device(loop, write=False)
        try:
            report = verify.read_compare(dev, patterns.FixedByte(0), [(0, dev.size)], block=self.block, retries=0,
                                         progress=lambda _n: None, should_stop=lambda: False)
        finally:
            dev.close()
        assert not report.mismatches, "the drive should read back as zeros here"

    def job_dir(self, loop: str, method: str, verify_mode: str) -> Path:
        self.jobs += 1
        job_dir = self.folder / f"job{self.jobs}"
        job_dir.mkdir()
        drive = discover.find(loop)
        spec = JobSpec(job_id=job_dir.name, path=loop, media=drive.facts, method=method, verify=verify_mode,
                       identity=drive.identity, block_bytes=self.block, data_dir=str(self.folder))
        write_json_atomic(job_dir / "spec.json", spec.to_dict())
        return job_dir

    def job(self, label: str, loops: list[str], method: str, verify_mode: str) -> float:
        """Wall time from starting the workers (as the product does) to the last one's exit."""
        dirs = [self.job_dir(loop, method, verify_mode) for loop in loops]
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "station.erase.worker", str(d)]) for d in dirs]
        for proc in procs:
            proc.wait()
        seconds = time.perf_counter() - t0
        inside = []
        for job_dir in dirs:
            result = json.loads((job_dir / "result.json").read_text())
            assert result["status"] == "FINISHED", result["reason"]
            inside.append(result["throughput"][-1][0])
        self.inside.setdefault(label, []).append(max(inside))
        return seconds

    def nwipe(self, loop: str) -> None:
        log = self.folder / "nwipe.log"
        subprocess.run(["nwipe", "--autonuke", "--nogui", "--nowait", "--method=zero", "--verify=last",
                        f"--logfile={log}", loop], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    out = fn()
    return out if isinstance(out, float) else time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-gib", type=float, default=2.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--drives", type=int, default=4)
    ap.add_argument("--block-mib", type=int, default=4, help="engine block size (wipe.block_mib)")
    ap.add_argument("--no-nwipe", action="store_true")
    ap.add_argument("--dir", default="/var/tmp", help="where the backing files go")
    ap.add_argument("--rig", choices=("all", "both", "direct", "cached", "drive-rate"), default="all",
                    help="direct: loop devices with --direct-io=on (writes reach the disk, like a drive); "
                         "cached: plain loop devices (writes land in the backing file's page cache); "
                         "drive-rate: direct, capped at --drive-rate-mbps; both: direct and cached")
    ap.add_argument("--drive-rate-mbps", type=int, default=2000, help="the drive-rate rig's cap, MB/s")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("wipe_bench: needs root for loop devices; skipped")
        return 0
    size = int(args.size_gib * (1 << 30)) // (4 * MiB) * (4 * MiB)
    rigs = {"all": ("direct", "cached", "drive-rate"), "both": ("direct", "cached")}.get(args.rig, (args.rig,))
    for kind in rigs:
        folder = Path(tempfile.mkdtemp(prefix="wipe-bench-", dir=args.dir))
        rig = Rig(folder, size, args.drives, args.block_mib * MiB, kind != "cached")
        throttle = Throttle() if kind == "drive-rate" else None
        if throttle is not None:
            for loop in rig.loops:
                throttle.limit(loop, args.drive_rate_mbps * 1_000_000)
            throttle.join()
        try:
            bench(rig, args, size, kind)
        finally:
            if throttle is not None:
                throttle.close()
            rig.close()
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def bench(rig: Rig, args: argparse.Namespace, size: int, kind: str) -> None:
    key = os.urandom(32)
    one, every = rig.loops[0], rig.loops
    settle = lambda: _settle()  # noqa: E731  (untimed: no contender pays for another's write-back)

    def zeros_first() -> None:  # untimed: the compare needs zeros on the drive
        rig.dd_write(one)
        _settle()

    def random_ready() -> None:  # untimed: the keystream file is made once, in RAM
        rig.random_source()
        _settle()

    def premade_ready() -> None:  # untimed: the keystream buffers are made once, in RAM
        rig.premade()
        _settle()

    contenders: list[tuple[str, int, Callable[[], object], Callable[[], object]]] = [  # name, bytes, prepare, run
        ("dd write", size, settle, lambda: rig.dd_write(one)),
        ("dd write + fsync", size, settle, lambda: rig.dd_write(one, "conv=fsync")),
        ("engine write (zero)", size, settle, lambda: rig.engine_write(one, patterns.FixedByte(0))),
        ("engine write (random)", size, settle, lambda: rig.engine_write(one, patterns.AesCtrStream(key))),
        ("dd write (random data from RAM)", size, random_ready, lambda: rig.dd_write_random(one)),
        (PREMADE, size, premade_ready, lambda: rig.engine_write_premade(one, rig.premade())),
        (PREMADE_RING, size, premade_ready,
         lambda: rig.engine_write_premade(one, rig.premade()[:patterns.DEPTH])),
        ("dd read", size, settle, lambda: rig.dd_read(one)),
        ("engine read+compare (zero)", size, zeros_first, lambda: rig.engine_read(one)),
        ("job zero + full verify", 2 * size, settle,
         lambda: rig.job("job zero + full verify", [one], "zero", "full")),
        ("job random + 10% sample", size, settle,
         lambda: rig.job("job random + 10% sample", [one], "random", "sample")),
        (f"{len(every)}x dd write", size * len(every), settle, lambda: _parallel_dd(rig, every)),
        (f"{len(every)}x dd write + fsync", size * len(every), settle, lambda: _parallel_dd(rig, every, "conv=fsync")),
        (f"{len(every)}x job zero (write)", size * len(every), settle,
         lambda: rig.job(f"{len(every)}x job zero (write)", every, "zero", "none")),
    ]
    if not args.no_nwipe and kind != "drive-rate":  # nwipe is far below any cap: the direct rig's figure holds
        contenders.append(("nwipe zero + verify last", 3 * size, settle, lambda: rig.nwipe(one)))
    times: dict[str, list[float]] = {name: [] for name, _, _, _ in contenders}
    for run in range(args.runs):
        k = run % len(contenders)
        for name, _, prepare, fn in contenders[k:] + contenders[:k]:
            prepare()
            times[name].append(timed(fn))
            print(f"run {run + 1}: {name}: {times[name][-1]:.2f} s", file=sys.stderr, flush=True)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    moved = {name: n for name, n, _, _ in contenders}
    about = {"direct": "direct I/O: writes reach the disk", "cached": "cached: writes land in the page cache",
             "drive-rate": f"direct I/O capped at {args.drive_rate_mbps} MB/s each, as a drive"}[kind]
    print(f"\nwipe_bench: {args.size_gib:g} GiB loop devices ({about}), {args.runs} runs, medians, "
          f"engine block {args.block_mib} MiB\n")
    print("| contender | median s | GB/s | runs (s) |\n|---|---:|---:|---|")
    for name in times:
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"| {name} | {med[name]:.2f} | {moved[name] / med[name] / 1e9:.2f} | {runs} |")
    for name, inside in rig.inside.items():
        med[f"{name}, inside"] = m = statistics.median(inside)
        print(f"| {name}, inside the worker | {m:.2f} | {moved[name] / m / 1e9:.2f} | "
              f"{', '.join(f'{t:.2f}' for t in inside)} |")
    n = len(every)
    ratios = [
        ("zero fill: engine / dd write", med["dd write"] / med["engine write (zero)"], 0.95),
        ("zero fill: engine / dd write + fsync (both flush at the end)",
         med["dd write + fsync"] / med["engine write (zero)"], None),
        ("read: engine / dd read", med["dd read"] / med["engine read+compare (zero)"], None),
        ("random / zero (engine write)", med["engine write (zero)"] / med["engine write (random)"], 0.85),
        ("random: engine / dd of random data", med["dd write (random data from RAM)"] / med["engine write (random)"],
         None),
        ("random data / zeros, both by dd", med["dd write"] / med["dd write (random data from RAM)"], None),
        ("random: engine / premade random data, every block distinct",
         med[PREMADE] / med["engine write (random)"], None),
        ("random: engine / the same buffers premade (what filling them just before costs)",
         med[PREMADE_RING] / med["engine write (random)"], None),
        ("premade random data, every block distinct / engine zero", med["engine write (zero)"] / med[PREMADE], None),
        (f"premade random data in {patterns.DEPTH} reused buffers / engine zero",
         med["engine write (zero)"] / med[PREMADE_RING], None),
        ("zero + full verify: job / (dd write + dd read)",
         (med["dd write"] + med["dd read"]) / med["job zero + full verify"], None),
        (f"{n} drives in parallel: jobs / dd (aggregate)", med[f"{n}x dd write"] / med[f"{n}x job zero (write)"],
         0.9),
        (f"{n} drives in parallel: jobs / dd + fsync (aggregate)",
         med[f"{n}x dd write + fsync"] / med[f"{n}x job zero (write)"], None),
        (f"{n} drives in parallel, inside the workers (without start-up)",
         med[f"{n}x dd write"] / med[f"{n}x job zero (write), inside"], None),
    ]
    if "nwipe zero + verify last" in med:
        ratios.append(("zero + verify: job speed-up over nwipe",
                       med["nwipe zero + verify last"] / med["job zero + full verify"], 10.0))
    print("\n| ratio | value | goal |\n|---|---:|---:|")
    for label, value, goal in ratios:
        target = f">= {goal:.2f}x" if goal else "-"
        print(f"| {label} | {value:.2f}x | {target} |")


def _settle() -> None:
    """Write back every dirty page before the next contender starts."""
    os.sync()


def _parallel_dd(rig: Rig, loops: list[str], *extra: str) -> None:
    procs = [subprocess.Popen(["dd", "if=/dev/zero", f"of={loop}", "oflag=direct", "bs=4M",
                               f"count={rig.size // (4 * MiB)}", "status=none", *extra]) for loop in loops]
    for p in procs:
        p.wait()


if __name__ == "__main__":
    sys.exit(main())

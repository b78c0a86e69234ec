"""The kernel's block throttle: a loop device that takes writes at a drive's rate, not memory's.

Used where a test must catch a wipe mid-pass (on a loop device a 64 MiB pass otherwise ends
within milliseconds) and by the wipe benchmark's drive-rate rig. The limit applies to the
processes in a cgroup (blkio on cgroup v1, io.max on v2); this process joins it, so the wipe
workers it starts are born inside it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def _current(v2: bool) -> str:
    """This process's cgroup path in the io (v2) or blkio (v1) hierarchy, from /proc/self/cgroup."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if (v2 and controllers == "") or (not v2 and "blkio" in controllers.split(",")):
            return path
    return "/"


class Throttle:
    def __init__(self) -> None:
        v2 = Path("/sys/fs/cgroup/cgroup.controllers")
        self.v2 = v2.exists() and "io" in v2.read_text().split()
        self.root = Path("/sys/fs/cgroup") if self.v2 else Path("/sys/fs/cgroup/blkio")
        self.group = self.root / f"station-throttle-{os.getpid()}-{time.monotonic_ns()}"
        self.group.mkdir()
        self.home: Path | None = None  # the group this process was in before join()

    def limit(self, device: str, bps: int, *, reads: bool = True) -> None:
        """Cap writes (and reads, unless reads=False) to `device` at `bps` bytes per second."""
        rdev = os.stat(device).st_rdev
        number = f"{os.major(rdev)}:{os.minor(rdev)}"
        if self.v2:
            (self.group / "io.max").write_text(f"{number} wbps={bps}" + (f" rbps={bps}" if reads else ""))
            return
        (self.group / "blkio.throttle.write_bps_device").write_text(f"{number} {bps}")
        if reads:
            (self.group / "blkio.throttle.read_bps_device").write_text(f"{number} {bps}")

    def join(self) -> None:
        """Move this process (all its threads) into the group; children started from now on are born there."""
        if self.home is None:
            self.home = self.root / _current(self.v2).lstrip("/")
        (self.group / "cgroup.procs").write_text(str(os.getpid()))

    def close(self) -> None:
        if self.home is not None:
            (self.home / "cgroup.procs").write_text(str(os.getpid()))
            self.home = None
        for _ in range(50):  # a worker that was inside leaves the group only once it has exited
            try:
                self.group.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)

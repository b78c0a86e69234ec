"""Live progress of one wipe job, shared between its worker and any reader.

A 4 KiB file in the job's folder, mapped into memory by both sides: the worker
writes fixed binary fields after every block, the GUI (or CLI) maps it read-only and
polls about every 100 ms. A sequence counter makes each read consistent (odd while
the writer is mid-update). Because it is a file, a GUI restarted while the worker
runs maps it again and carries on showing progress.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from station.erase import jobfiles

FILE = "progress.bin"
# seq, phase, pass index, pass count, done, total, overall done, overall total, rate B/s, started, updated, pid
_LAYOUT = struct.Struct("<QBBBxQQQQddd I")
PHASES = ("starting", "writing", "verifying", "done")
RATE_WINDOW_S = 3.0


@dataclass(frozen=True)
class Progress:
    phase: str
    pass_index: int  # 1-based while writing
    pass_count: int
    done: int  # bytes in the current phase/pass
    total: int
    overall_done: int  # across all passes and the verification
    overall_total: int
    rate: float  # bytes/s over the last few seconds
    started: float
    updated: float
    pid: int

    @property
    def fraction(self) -> float:
        return self.overall_done / self.overall_total if self.overall_total else 0.0

    @property
    def eta_s(self) -> float | None:
        if self.rate <= 0 or self.phase == "done":
            return None
        return (self.overall_total - self.overall_done) / self.rate

    @property
    def step(self) -> str:
        if self.phase == "writing":
            return f"pass {self.pass_index}/{self.pass_count}"
        return self.phase


class ProgressWriter:
    """The worker's side. `update()` is cheap enough to call after every block."""

    def __init__(self, job_dir: Path, overall_total: int, pass_count: int, *, dir_fd: int | None = None) -> None:
        """`dir_fd`: the job folder, opened by the worker; the file is created afresh in it, never
        through a link a caller planted (the worker may run as root)."""
        own_dir = dir_fd is None
        folder = jobfiles.open_dir(job_dir) if dir_fd is None else dir_fd
        try:
            fd = jobfiles.create(folder, FILE, readable=True)
        finally:
            if own_dir:
                os.close(folder)
        try:
            os.ftruncate(fd, mmap.PAGESIZE)
            self._map = mmap.mmap(fd, mmap.PAGESIZE)
        finally:
            os.close(fd)
        self.seq = 0
        self.overall_total, self.pass_count = overall_total, pass_count
        self.base = 0  # overall bytes finished before the current phase
        self.started = time.time()
        self._window: list[tuple[float, int]] = []  # (time, overall done): a few dozen entries
        self.phase, self.pass_index, self.total, self._done = 0, 0, 0, 0
        self.update(0)

    def begin(self, phase: str, total: int, pass_index: int = 0) -> None:
        self.phase, self.pass_index, self.total = PHASES.index(phase), pass_index, total

    def end_phase(self) -> None:
        self.base += self.total
        self._done = 0

    def update(self, done: int) -> None:
        self._done = done
        now = time.time()
        overall = self.base + done
        window = self._window
        window.append((now, overall))
        while len(window) > 2 and now - window[0][0] > RATE_WINDOW_S:
            window.pop(0)
        span = now - window[0][0]
        rate = (overall - window[0][1]) / span if span > 0.2 else 0.0
        self.seq += 1
        _LAYOUT.pack_into(self._map, 0, self.seq, self.phase, self.pass_index, self.pass_count, done, self.total,
                          overall, self.overall_total, rate, self.started, now, os.getpid())
        self.seq += 1
        struct.pack_into("<Q", self._map, 0, self.seq)

    def finish(self) -> None:
        """The job ended (however it ended): overall stays what was really done."""
        self.phase = PHASES.index("done")
        self.update(self._done)
        self._map.flush()
        self._map.close()


class ProgressReader:
    """The GUI's side: a read-only mapping, opened lazily (the worker creates the file)."""

    def __init__(self, job_dir: Path) -> None:
        self.path = job_dir / FILE
        self._map: mmap.mmap | None = None
        # The panel's 100 ms poll and the job's end (closing the map) run on different threads.
        self._lock = threading.Lock()

    def read(self) -> Progress | None:
        with self._lock:
            if self._map is None:
                try:
                    with open(self.path, "rb") as fh:
                        self._map = mmap.mmap(fh.fileno(), mmap.PAGESIZE, prot=mmap.PROT_READ)
                except (OSError, ValueError):
                    return None
            for _ in range(100):
                fields = _LAYOUT.unpack_from(self._map, 0)
                again = struct.unpack_from("<Q", self._map, 0)[0]
                if fields[0] % 2 == 0 and fields[0] == again:
                    break
            else:
                return None
        _seq, phase, pidx, pcount, done, total, odone, ototal, rate, started, updated, pid = fields
        return Progress(PHASES[min(phase, len(PHASES) - 1)], pidx, pcount, done, total, odone, ototal,
                        rate, started, updated, pid)

    def close(self) -> None:
        with self._lock:
            if self._map is not None:
                self._map.close()
                self._map = None

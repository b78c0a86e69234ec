"""The overwrite engine: O_DIRECT writes of large aligned blocks at device speed.

The device is opened O_EXCL (the kernel refuses while anything mounts or holds it, and
keeps others out while we write) and O_DIRECT (no page cache: what we read back later
came from the drive). Writes go from the reusable buffers of a patterns.BlockStream.

Failures: each block is retried `retries` times. A block that still fails is retried
in 1 MiB pieces so the bad range is recorded narrowly, and the pass goes on, so as much
as possible is overwritten, but the job can no longer succeed. A drive that vanishes
ends the pass at once; after several failed blocks in a row the drive is asked to read
a sector it wrote, and only when that fails too has it stopped answering. Bytes that
could not be written are never counted as written.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import stat
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from station.erase.patterns import BlockStream, Pattern
from station.errors import DeviceError
from station.i18n import _

BLKGETSIZE64 = 0x80081272
BLKSSZGET = 0x1268
SUB_PIECE = 1 << 20  # granularity of recorded bad ranges
DEAD_AFTER = 3  # consecutive blocks that fail completely: the drive has stopped answering
GONE_ERRNOS = {errno.ENODEV, errno.ENXIO, errno.ENOMEDIUM, errno.ESHUTDOWN}

Progress = Callable[[int], None]  # bytes done so far in this pass
ShouldStop = Callable[[], bool]


class DriveGone(Exception):
    """The drive disappeared or stopped answering; nothing more can be done to it."""


class StopRequested(Exception):
    """The operator asked the job to stop."""


@dataclass
class Device:
    path: str
    fd: int
    size: int
    sector: int
    direct: bool
    is_block: bool
    sys_path: str | None = None

    def present(self) -> bool:
        return self.sys_path is None or os.path.exists(self.sys_path)

    def sync(self) -> None:
        """Flush the drive's write cache (fsync on a block device sends a cache flush)."""
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


_CLAIMED: dict[int, int] = {}  # device number -> this process's O_EXCL descriptor on it
_CLAIM_LOCK = threading.Lock()


def _device_number(path: str) -> int | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_rdev if stat.S_ISBLK(st.st_mode) else None


@contextmanager
def claim(paths: Iterable[str]) -> Iterator[None]:
    """Hold every device O_EXCL for a whole firmware job: nothing can mount or claim it while
    hdparm or nvme (which open it without O_EXCL) run. This process's own later opens of a
    claimed device skip O_EXCL, since the kernel would refuse a second claim."""
    taken: list[int] = []
    try:
        for path in paths:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_EXCL | os.O_CLOEXEC | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno == errno.EBUSY:
                    raise DeviceError(_("{path} is in use by another program (the kernel refused exclusive "
                                        "access); nothing was erased. Release it and try again.").format(
                        path=path)) from exc
                raise DeviceError(_("{path} could not be opened ({strerror}); nothing was erased.").format(
                        path=path, strerror=exc.strerror)) from exc
            with _CLAIM_LOCK:
                _CLAIMED[os.fstat(fd).st_rdev] = fd
                taken.append(os.fstat(fd).st_rdev)
        yield
    finally:
        with _CLAIM_LOCK:
            for rdev in taken:
                os.close(_CLAIMED.pop(rdev))


def open_device(path: str, *, write: bool, sys_path: str | None = None) -> Device:
    """Open exclusively and unbuffered. O_DIRECT falls back to buffered only for image
    files on filesystems without it (tmpfs); a block device always gets O_DIRECT."""
    with _CLAIM_LOCK:
        ours = _device_number(path) in _CLAIMED
    base = (os.O_RDWR if write else os.O_RDONLY) | (0 if ours else os.O_EXCL) | os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        fd, direct = os.open(path, base | os.O_DIRECT), True
    except OSError as exc:
        if exc.errno == errno.EBUSY:
            raise DeviceError(
                _("{path} is in use (mounted, part of a RAID/LVM/encrypted volume, or open in another "
                  "program); nothing was written. Unmount or release it and try again.").format(path=path)
            ) from exc
        if exc.errno in (errno.ENOENT, errno.ENXIO, errno.ENODEV):
            raise DeviceError(_("{path} is not connected any more. Reconnect the drive and try again.").format(
                    path=path)) from exc
        if exc.errno != errno.EINVAL or stat.S_ISBLK(_mode(path)):
            raise DeviceError(_("{path} could not be opened for the wipe ({strerror}).").format(
                    path=path, strerror=exc.strerror)) from exc
        fd, direct = os.open(path, base), False
    st = os.fstat(fd)
    is_block = stat.S_ISBLK(st.st_mode)
    if is_block:
        size = struct.unpack("Q", fcntl.ioctl(fd, BLKGETSIZE64, b"\0" * 8))[0]
        sector = struct.unpack("i", fcntl.ioctl(fd, BLKSSZGET, b"\0" * 4))[0]
    else:
        size, sector = st.st_size, 512
    return Device(path, fd, size, sector, direct, is_block, sys_path)


def _mode(path: str) -> int:
    try:
        return os.stat(path).st_mode
    except OSError:
        return 0


def pwrite_all(fd: int, view: memoryview, offset: int) -> None:
    done = 0
    while done < len(view):
        n = os.pwrite(fd, view[done:] if done else view, offset + done)
        if n <= 0:
            raise OSError(errno.EIO, "short write")
        done += n


def pread_all(fd: int, view: memoryview, offset: int) -> None:
    done = 0
    while done < len(view):
        n = os.preadv(fd, [view[done:] if done else view], offset + done)
        if n <= 0:  # reading past the end of a drive that shrank or vanished
            raise OSError(errno.EIO, "short read")
        done += n


def with_retries(dev: Device, io: Callable[[int, memoryview, int], None], view: memoryview, offset: int,
                 retries: int) -> bool:
    """Run one I/O with bounded retries; False when it kept failing. DriveGone if the drive left."""
    for _attempt in range(retries + 1):
        try:
            io(dev.fd, view, offset)
            return True
        except OSError as exc:
            if exc.errno in GONE_ERRNOS or not dev.present():
                raise DriveGone(f"{dev.path} was disconnected at byte {offset:,}") from exc
    return False


def merge_range(ranges: list[tuple[int, int]], offset: int, length: int) -> None:
    """Append (offset, length), joining it to the last range when they touch."""
    if ranges and ranges[-1][0] + ranges[-1][1] == offset:
        ranges[-1] = (ranges[-1][0], ranges[-1][1] + length)
    else:
        ranges.append((offset, length))


@dataclass
class PassReport:
    bytes_done: int = 0  # how far the pass got, bad ranges included
    bytes_written: int = 0  # what really reached the drive
    bad_ranges: list[tuple[int, int]] = field(default_factory=list)
    retried_ranges: list[tuple[int, int]] = field(default_factory=list)


class Failures:
    """Bad-range bookkeeping shared by writing and reading: narrow, record, notice a dead drive."""

    def __init__(self, dev: Device, retries: int, report: PassReport) -> None:
        self.dev, self.retries, self.report = dev, retries, report
        self.dead_run = 0
        self.last_good = 0  # an offset the drive last answered at

    def still_answers(self) -> bool:
        """One sector read where the drive last answered: a drive with a bad region reads it,
        a drive that has gone silent does not."""
        buf = mmap.mmap(-1, max(self.dev.sector, mmap.PAGESIZE))  # page-aligned, as O_DIRECT needs
        try:
            pread_all(self.dev.fd, memoryview(buf)[:self.dev.sector], self.last_good)
            return True
        except OSError as exc:
            if exc.errno in GONE_ERRNOS or not self.dev.present():
                raise DriveGone(f"{self.dev.path} was disconnected at byte {self.last_good:,}") from exc
            return False
        finally:
            buf.close()

    def settle(self, io: Callable[[int, memoryview, int], None], view: memoryview, offset: int) -> int:
        """A block failed: redo it in SUB_PIECE pieces; return the bytes that stayed bad."""
        merge_range(self.report.retried_ranges, offset, len(view))
        bad = 0
        step = max(SUB_PIECE - SUB_PIECE % self.dev.sector, self.dev.sector)
        for start in range(0, len(view), step):
            piece = view[start:start + step]
            if not with_retries(self.dev, io, piece, offset + start, self.retries):
                merge_range(self.report.bad_ranges, offset + start, len(piece))
                bad += len(piece)
        self.dead_run = self.dead_run + 1 if bad == len(view) else 0
        if self.dead_run >= DEAD_AFTER:
            if not self.still_answers():
                raise DriveGone(f"{self.dev.path} stopped answering at byte {offset:,} ({DEAD_AFTER} blocks in a "
                                "row failed and it no longer reads either)")
            self.dead_run = 0  # a bad region, not a dead drive: skip it (recorded) and go on
        return bad


def write_pass(dev: Device, pattern: Pattern, *, block: int, retries: int, progress: Progress,
               should_stop: ShouldStop, report: PassReport | None = None) -> PassReport:
    """Overwrite the whole device with `pattern`, then flush the drive's cache.

    Pass in `report` to keep what was recorded when the pass ends by an exception."""
    report = report if report is not None else PassReport()
    failures = Failures(dev, retries, report)
    with BlockStream(pattern, [(0, dev.size)], block) as stream:
        for piece in stream:
            if should_stop():
                raise StopRequested
            view = piece.buf.view if piece.length == block else piece.buf.view[:piece.length]
            if not with_retries(dev, pwrite_all, view, piece.offset, retries):
                report.bytes_written += piece.length - failures.settle(pwrite_all, view, piece.offset)
            else:
                failures.dead_run, failures.last_good = 0, piece.offset
                report.bytes_written += piece.length
            report.bytes_done += piece.length
            progress(report.bytes_done)
    try:
        dev.sync()
    except OSError as exc:
        if not dev.present() or exc.errno in GONE_ERRNOS:
            raise DriveGone(f"{dev.path} was disconnected before its cache was flushed") from exc
        raise DeviceError(_("{path} failed to flush its write cache ({strerror}).").format(
                path=dev.path, strerror=exc.strerror)) from exc
    return report

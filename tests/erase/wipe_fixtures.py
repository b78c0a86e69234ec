"""Real loop devices for the wipe tests, always detached and unmounted afterwards.

Backing files are preallocated (fallocate) and filled with a known pseudorandom
pattern, so a test can prove every byte changed by reading them back with plain file
reads, independently of the engine. The machine is shared: tests only ever touch the
loop devices they attached themselves (see `only_ours`).
"""

from __future__ import annotations

import fcntl
import os
import random
import struct
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typing_extensions import override

from station.devices.drive.discover import Drive
from station.prompt import OperatorPrompt
from tests.erase.throttle import Throttle

MiB = 1 << 20
# A write rate for loops a test must catch mid-pass: a 64 MiB pass takes a second, not milliseconds.
DRIVE_RATE = 64 * MiB
EXT4_IOC_SHUTDOWN = 0x8004587D  # _IOR('X', 125, __u32)
EXT4_GOING_FLAGS_NOLOGFLUSH = 2


@dataclass
class Loop:
    path: str
    backing: Path
    size: int
    seed: int

    def expected_fill(self) -> bytes:
        return pattern_bytes(self.seed, self.size)

    def read_backing(self) -> bytes:
        """The bytes the 'drive' holds, read through the filesystem, not through the engine."""
        with open(self.backing, "rb") as fh:
            return fh.read(self.size)


def pattern_bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def losetup(*args: str) -> str:
    return subprocess.run(["losetup", *args], check=True, capture_output=True, text=True).stdout.strip()


def detach(path: str) -> None:
    for _ in range(50):  # a just-closed device can be briefly busy (udev probes, our own workers)
        if subprocess.run(["losetup", "-d", path], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)


def write_file(path: Path, size: int, seed: int | None) -> None:
    with open(path, "wb") as fh:
        os.posix_fallocate(fh.fileno(), 0, size)
        if seed is not None:
            fh.write(pattern_bytes(seed, size))


class LoopFactory:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.loops: list[str] = []
        self.mounts: list[Path] = []
        self.throttle: Throttle | None = None

    def __call__(self, size: int = 16 * MiB, *, seed: int | None = 1234, folder: Path | None = None,
                 sparse: bool = False, extra: tuple[str, ...] = (), write_rate: int | None = None) -> Loop:
        """A loop device over a new backing file; `write_rate` (bytes/s) caps writes to it for
        the wipe workers this test starts from now on (reads stay at full speed)."""
        backing = (folder or self.folder) / f"disk{len(self.loops)}.img"
        if sparse:
            with open(backing, "wb") as fh:
                fh.truncate(size)
        else:
            write_file(backing, size, seed)
        path = losetup("--find", "--show", *extra, str(backing))
        self.loops.append(path)
        if write_rate is not None:
            if self.throttle is None:
                self.throttle = Throttle()
            self.throttle.limit(path, write_rate, reads=False)
            self.throttle.join()
        return Loop(path, backing, size, seed or 0)

    def attach(self, image: Path, *extra: str) -> str:
        """Attach an image the test prepared itself (e.g. with a partition table)."""
        path = losetup("--find", "--show", *extra, str(image))
        self.loops.append(path)
        return path

    def mount(self, loop: Loop | str, where: Path, *, mkfs: bool = True) -> Path:
        """A fresh ext4 on `loop` (one of ours, or any block device path), mounted at `where` until cleanup."""
        dev = loop.path if isinstance(loop, Loop) else loop
        if mkfs:
            subprocess.run(["mkfs.ext4", "-q", "-F", dev], check=True, capture_output=True)
        where.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", dev, str(where)], check=True, capture_output=True)
        self.mounts.append(where)
        return where

    def cleanup(self) -> None:
        if self.throttle is not None:
            self.throttle.close()
        # Newest first: a loop over a file inside a mounted image goes before the image's own
        # loop, whose detach is then deferred by the kernel until the unmount below.
        for path in reversed(self.loops):
            detach(path)
        for where in reversed(self.mounts):
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.fixture
def loops(tmp_path: Path) -> Iterator[LoopFactory]:
    factory = LoopFactory(tmp_path)
    try:
        yield factory
    finally:
        factory.cleanup()


def only_ours(folder: Path) -> Callable[[Drive], bool]:
    """A discovery filter: loop devices whose backing file lives under `folder`."""
    prefix = str(folder)
    return lambda d: d.backing_file.startswith(prefix)


def shutdown_fs(mountpoint: Path) -> None:
    """Make every later I/O to a filesystem fail with EIO, like storage that was pulled."""
    fd = os.open(mountpoint, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, EXT4_IOC_SHUTDOWN, struct.pack("I", EXT4_GOING_FLAGS_NOLOGFLUSH))
    finally:
        os.close(fd)


class Technician(OperatorPrompt):
    """A technician who says yes, unfreezes a drive by re-plugging its bay (the second choice), and types
    nothing; keeps the questions asked (`asked`) apart from what they were told (`told`)."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.told: list[str] = []

    def tell(self, message: str) -> None:
        self.told.append(message)

    def confirm(self, question: str) -> bool:
        self.asked.append(question)
        return True

    @override
    def choose(self, question: str, options: list[str]) -> int | None:
        self.asked.append(question)
        return 1

    @override
    def ask_text(self, question: str, *, secret: bool = False) -> str | None:
        return None

    @override
    def photo(self, question: str) -> Path | None:
        return None

"""Users of a disk that sysfs `holders` never shows, each played by a real peer: a process
holding the loop device open or mapped, a loop device stacked on it and mounted, a loop
over an image on its lazily unmounted filesystem, a QEMU VM holding a loop's image file.
The guard must refuse each with a sentence naming the user, and the wipe worker must
refuse it again once it holds the drive, without writing a byte."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from station.devices.drive import discover
from station.erase import guard
from tests.erase import wipe_fixtures
from tests.erase.test_engine import run_job
from tests.erase.wipe_fixtures import LoopFactory, MiB

pytestmark = pytest.mark.timeout(60)

OPENER = """
import ctypes, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR if sys.argv[2] != "ro" else os.O_RDONLY)
if sys.argv[2] == "map":  # libc's mmap: Python's mmap module keeps a duplicate descriptor
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    assert libc.mmap(None, 4096, 3, 1, fd, 0) not in (None, ctypes.c_void_p(-1).value)
    os.close(fd)
print("ready", flush=True)
time.sleep(60)
"""


class Peers:
    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[str]] = []

    def opener(self, path: str, mode: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-c", OPENER, path, mode], stdout=subprocess.PIPE, text=True)
        self.procs.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        return proc

    def start(self, argv: list[str]) -> subprocess.Popen[str]:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()


@pytest.fixture
def peers() -> Iterator[Peers]:
    p = Peers()
    try:
        yield p
    finally:
        p.stop()


def verdict(path: str, tmp_path: Path) -> guard.Verdict:
    return guard.verdict(discover.find(path, enrich=False), guard.SystemView.read(tmp_path / "data"))


def command_of(proc: subprocess.Popen[str]) -> str:
    return Path(f"/proc/{proc.pid}/comm").read_text().strip()


def test_a_process_holding_the_drive_read_write_is_named(loops: LoopFactory, peers: Peers, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    proc = peers.opener(loop.path, "rw")
    v = verdict(loop.path, tmp_path)
    assert not v.eligible
    assert v.reasons == (f"is open for writing in {command_of(proc)} (pid {proc.pid})",)


def test_a_process_that_mapped_the_drive_is_named(loops: LoopFactory, peers: Peers, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    proc = peers.opener(loop.path, "map")  # the descriptor is closed: only the mapping remains
    v = verdict(loop.path, tmp_path)
    assert v.reasons == (f"is mapped into memory by {command_of(proc)} (pid {proc.pid})",)


def test_the_worker_refuses_an_opener_and_writes_nothing(loops: LoopFactory, peers: Peers, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    proc = peers.opener(loop.path, "rw")
    result = run_job(loop.path, tmp_path, "zero", "full")
    assert result.status.value == "FAILED" and not result.sanitized
    assert f"is open for writing in {command_of(proc)} (pid {proc.pid})" in result.reason
    assert "nothing was written" in result.reason and result.bytes_written == 0
    assert loop.read_backing() == loop.expected_fill()


def test_a_loop_stacked_on_the_drive_and_mounted(loops: LoopFactory, tmp_path: Path) -> None:
    below = loops(16 * MiB, seed=None)
    above = loops.attach(Path(below.path))  # a loop device whose backing file is the drive itself
    where = loops.mount(above, tmp_path / "above")
    name = Path(above).name
    v = verdict(below.path, tmp_path)
    assert v.reasons == (f"backs loop device {above}", f"has a mounted filesystem at {where} (on {name})")
    before = below.read_backing()
    result = run_job(below.path, tmp_path, "zero", "none")
    assert result.status.value == "FAILED" and f"backs loop device {above}" in result.reason
    assert below.read_backing() == before


def test_a_loop_over_an_image_on_a_lazily_unmounted_filesystem(loops: LoopFactory, tmp_path: Path) -> None:
    disk = loops(32 * MiB, seed=None)
    where = loops.mount(disk, tmp_path / "fs")
    image = where / "inner.img"
    wipe_fixtures.write_file(image, 4 * MiB, 7)
    inner = loops.attach(image)
    subprocess.run(["umount", "-l", str(where)], check=True)  # gone from mountinfo, still in use
    v = guard.check(discover.find(disk.path, enrich=False), guard.SystemView.read(tmp_path / "data"))
    # Detached from the tree, the file is named from the root of its own filesystem.
    assert v.reasons == (f"holds /{image.name}, the backing file of loop device {inner}",)


def test_a_vm_holding_the_image_of_a_loop_device(loops: LoopFactory, peers: Peers, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    vm = peers.start(["qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none", "-S",
                      "-monitor", "none", "-blockdev",
                      f"driver=file,filename={loop.backing},node-name=disk0,locking=off"])
    for _ in range(100):  # QEMU opens its block devices while it starts
        if any(os.path.realpath(f"/proc/{vm.pid}/fd/{fd}") == str(loop.backing)
               for fd in os.listdir(f"/proc/{vm.pid}/fd")):
            break
        assert vm.poll() is None, vm.stderr.read() if vm.stderr else ""
        subprocess.run(["sleep", "0.05"])
    v = verdict(loop.path, tmp_path)
    assert v.reasons == (f"its backing file {loop.backing} is open for writing in {command_of(vm)} (pid {vm.pid})",)


def test_a_second_loop_on_the_same_image(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    twin = loops.attach(loop.backing)
    v = verdict(loop.path, tmp_path)
    assert v.reasons == (f"its backing file {loop.backing} is also attached as {twin}",)

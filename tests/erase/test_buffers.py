"""The engine's I/O buffers: aligned for O_DIRECT, and large ones backed by huge pages where the kernel can."""

from __future__ import annotations

import ctypes
import mmap
import os
from pathlib import Path

from station.erase import engine, patterns
from tests.erase.wipe_fixtures import LoopFactory, MiB

THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")


def address(view: memoryview) -> int:
    return ctypes.addressof(ctypes.c_char.from_buffer(view))


def mapping_of(addr: int) -> dict[str, str]:
    """The /proc/self/smaps entry of the mapping that holds `addr`."""
    entry: dict[str, str] = {}
    inside = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()[0]
        if "-" in head and ":" not in head:
            lo, hi = (int(x, 16) for x in head.split("-"))
            inside = lo <= addr < hi
            continue
        if inside:
            key, _, value = line.partition(":")
            entry[key] = value.strip()
    return entry


def test_a_block_buffer_starts_on_a_huge_page_and_asks_for_huge_pages() -> None:
    buf = patterns.AlignedBuffer(4 * MiB)
    try:
        addr = address(buf.view)
        assert addr % patterns.HUGE == 0
        assert len(buf.view) == 4 * MiB and len(buf.whole) == 4 * MiB + patterns.PAGE
        flags = mapping_of(addr)["VmFlags"].split()
        assert "sh" not in flags, "shared anonymous memory is shmem, which ignores MADV_HUGEPAGE"
        if THP.exists() and "[never]" not in THP.read_text():
            # Advice, not a promise: with memory too fragmented the kernel falls back to small pages.
            assert "hg" in flags
    finally:
        buf.close()
    assert buf._map.closed


def test_a_sector_buffer_is_page_aligned_and_small() -> None:
    buf = patterns.AlignedBuffer(4096)
    try:
        assert address(buf.view) % mmap.PAGESIZE == 0
        assert len(buf._map) == 4096 + patterns.PAGE  # no room reserved for alignment it does not need
    finally:
        buf.close()


def test_huge_page_buffers_carry_writes_and_reads_byte_for_byte(loops: LoopFactory) -> None:
    loop = loops(8 * MiB)
    out, back = patterns.AlignedBuffer(4 * MiB), patterns.AlignedBuffer(4 * MiB)
    data = os.urandom(4 * MiB)
    out.view[:] = data
    dev = engine.open_device(loop.path, write=True)
    try:
        assert dev.direct
        engine.pwrite_all(dev.fd, out.view, 4 * MiB)
        dev.sync()
        engine.pread_all(dev.fd, back.view, 4 * MiB)
    finally:
        dev.close()
        out.close()
    assert bytes(back.view) == data
    back.close()
    assert loop.read_backing()[4 * MiB:] == data

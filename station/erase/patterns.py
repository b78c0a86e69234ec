"""What an overwrite pass writes, generated into reusable page-aligned buffers.

A pattern fills a buffer with the bytes that belong at a given device offset, so the
same object serves the writer and the verifier. Fixed bytes are filled once and never
touched again. The random stream is AES-256-CTR keystream with the counter derived
from the offset: any range of a random pass can be regenerated on its own, which is
what lets a random pass be verified by sampling.

`BlockStream` walks a list of ranges in pieces of at most one block and hands out
buffers already holding the expected bytes. For the random stream a producer thread
fills the next buffer while the caller writes or reads the current one, so generation
overlaps with I/O: the writer sleeps in pwrite without the GIL, and the producer's
cipher calls are short enough (FILL_SLICE) that the writer gets the GIL back at once
when its write returns. No buffer is allocated per block: a stream owns its ring of
mmaps (DEPTH of them, or one for a fixed byte) for its whole life.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

PAGE = mmap.PAGESIZE
HUGE = 2 << 20  # a transparent huge page on x86-64 and arm64 with 4 KiB pages
AES_BLOCK = 16
FILL_SLICE = 256 << 10  # keystream generated per call (see AesCtrStream.fill)
# Buffers a generated stream cycles through (32 MiB at 4 MiB blocks). A buffer then waits a few
# blocks between being filled and being written, which the drive-like loops reward: 2 MiB blocks
# from 2, 4 and 8 buffers took 1.62, 1.11 and 0.73 s per 2 GiB; more than 8 gained nothing
# (benchmarks/RESULTS.md).
DEPTH = 8


class AlignedBuffer:
    """Private anonymous mmap: page-aligned as O_DIRECT needs, with one spare page because
    OpenSSL's update_into wants room for a cipher block beyond the data.

    A buffer of HUGE bytes or more starts on a HUGE boundary and asks for transparent huge
    pages. A write is handed to the drive as one segment per physically contiguous run, and a
    queue takes only so many segments per request: 4 KiB pages scattered by a busy allocator
    split a 4 MiB block into several requests. Measured on virtio-blk (254 segments), a block
    from 2 MiB pages wrote 2x faster than one from scattered pages (benchmarks/RESULTS.md).
    Private, not shared: shared anonymous memory is shmem, which ignores the advice.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        span = size + PAGE
        huge = size >= HUGE
        self._map = mmap.mmap(-1, span + (HUGE if huge else 0), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        start = 0
        if huge:
            start = -ctypes.addressof(ctypes.c_char.from_buffer(self._map)) % HUGE
            with contextlib.suppress(AttributeError, OSError):  # a kernel without THP: small pages still work
                self._map.madvise(mmap.MADV_HUGEPAGE, start, span)
        self.whole = memoryview(self._map)[start:start + span]
        self.view = self.whole[:size]

    def close(self) -> None:
        """Unmap now if nothing else (a numpy view) still points into the buffer, else when that goes."""
        try:
            self.view.release()
            self.whole.release()
            self._map.close()
        except BufferError:
            pass


class Pattern:
    name = "pattern"
    constant = True

    def fill(self, buf: AlignedBuffer, offset: int, length: int) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name


class FixedByte(Pattern):
    def __init__(self, value: int) -> None:
        if not 0 <= value <= 0xFF:
            raise ValueError(f"a fixed pattern is one byte, not {value!r}")
        self.value = value
        self.name = {0x00: "zero", 0xFF: "one"}.get(value, f"byte:0x{value:02x}")

    def fill(self, buf: AlignedBuffer, _offset: int, length: int) -> None:
        # The same bytes belong everywhere; mmap starts zeroed, so zero needs nothing.
        if self.value:
            buf.view[:length] = bytes([self.value]) * length

    def describe(self) -> str:
        return "zero (0x00)" if self.value == 0 else f"fixed byte 0x{self.value:02x}"


class AesCtrStream(Pattern):
    """AES-256-CTR keystream; the 128-bit counter block is nonce(8) || offset/16 (8, big-endian)."""

    name = "random"
    constant = False

    def __init__(self, key: bytes, pass_index: int = 0) -> None:
        if len(key) != 32:
            raise ValueError("AES-256 needs a 32-byte key")
        self._key = key
        self._nonce = pass_index.to_bytes(8, "big")
        self._zeros: AlignedBuffer | None = None
        self._enc: Any = None
        self._next_offset = -1

    def _encryptor_at(self, offset: int) -> CipherContext:
        if offset % AES_BLOCK:
            raise ValueError(f"offset {offset} is not a multiple of {AES_BLOCK}")
        if self._enc is None or offset != self._next_offset:
            counter = self._nonce + (offset // AES_BLOCK).to_bytes(8, "big")
            self._enc = Cipher(algorithms.AES(self._key), modes.CTR(counter)).encryptor()
        return self._enc

    def fill(self, buf: AlignedBuffer, offset: int, length: int) -> None:
        if self._zeros is None or self._zeros.size < length:
            if self._zeros is not None:
                self._zeros.close()
            self._zeros = AlignedBuffer(max(length, buf.size))
        # Sequential fills continue one cipher context: one object per pass, not per block.
        enc = self._encryptor_at(offset)
        zeros, out = self._zeros.view, buf.whole
        # In slices: the cipher call holds the GIL, and the writer thread waiting for it
        # to issue the next write would otherwise wait for a whole block's keystream.
        for start in range(0, length, FILL_SLICE):
            end = min(length, start + FILL_SLICE)
            enc.update_into(zeros[start:end], out[start:])
        self._next_offset = offset + length

    def describe(self) -> str:
        return "AES-256-CTR keystream (offset-addressed counter)"


def make(name: str, key: bytes | None = None, pass_index: int = 0) -> Pattern:
    """'zero', 'one', 'byte:0xNN' or 'random' (needs the job key)."""
    if name == "zero":
        return FixedByte(0x00)
    if name == "one":
        return FixedByte(0xFF)
    if name.startswith("byte:"):
        return FixedByte(int(name[5:], 0))
    if name == "random":
        if key is None:
            raise ValueError("the random pattern needs the job key")
        return AesCtrStream(key, pass_index)
    raise ValueError(f"unknown pattern {name!r}")


@dataclass
class Piece:
    """One piece of a stream: `length` bytes at device `offset`, held in `buf`."""

    offset: int
    length: int
    buf: AlignedBuffer


def pieces(ranges: Sequence[tuple[int, int]], block: int) -> Iterator[tuple[int, int]]:
    for start, length in ranges:
        end = start + length
        while start < end:
            n = min(block, end - start)
            yield start, n
            start += n


class BlockStream:
    """Iterate buffers holding `pattern` for `ranges`, at most `block` bytes each.

    The caller must be done with a piece before asking for the next one (the buffer
    goes back to the producer). Use as a context manager so the thread always ends.
    """

    def __init__(self, pattern: Pattern, ranges: Sequence[tuple[int, int]], block: int, depth: int = DEPTH) -> None:
        self.pattern, self.ranges, self.block = pattern, ranges, block
        self._buffers = [AlignedBuffer(block) for _ in range(1 if pattern.constant else depth)]
        self._stop = threading.Event()
        self._ready: queue.Queue[tuple[int, int, int] | BaseException | None] = queue.Queue()
        self._free: queue.Queue[int] = queue.Queue()
        self._thread: threading.Thread | None = None
        if pattern.constant:
            pattern.fill(self._buffers[0], 0, block)

    def __enter__(self) -> BlockStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Piece]:
        if self.pattern.constant:
            buf = self._buffers[0]
            for offset, n in pieces(self.ranges, self.block):
                yield Piece(offset, n, buf)
            return
        for i in range(len(self._buffers)):
            self._free.put(i)
        self._thread = threading.Thread(target=self._produce, name="pattern-fill", daemon=True)
        self._thread.start()
        while True:
            item = self._ready.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            index, offset, n = item
            yield Piece(offset, n, self._buffers[index])
            self._free.put(index)

    def _produce(self) -> None:
        try:
            for offset, n in pieces(self.ranges, self.block):
                index = self._free.get()
                if self._stop.is_set():
                    return
                self.pattern.fill(self._buffers[index], offset, n)
                self._ready.put((index, offset, n))
            self._ready.put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            self._ready.put(exc)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            for i in range(len(self._buffers)):
                self._free.put(i)  # wake the producer if it waits for a buffer
            self._thread.join()
            self._thread = None
        for b in self._buffers:
            b.close()
        self._buffers = []

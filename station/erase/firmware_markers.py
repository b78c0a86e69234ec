"""Proof that a firmware erase happened: random markers before, none surviving after.

Before the erase, random marker sectors are written at sampled LBAs (first and last LBA
included), and existing sectors are fingerprinted where an overwrite's verification
samples: the first and last LBA and both samples of each of at least 1,000 equal
subsections (NIST's sampling rule), plus a few random ones. After it, no marker may read
back, and no fingerprinted sector that held data may still hold it: a drive that left a
region untouched is caught wherever that region lies, not only where a few dozen
markers happened to fall. Applied to every firmware method, because a drive that merely
*reports* success is not evidence.
"""

from __future__ import annotations

import hashlib
import os
import random
import secrets
from dataclasses import dataclass, field

from station.erase.engine import Device, open_device, pread_all, pwrite_all
from station.erase.patterns import AlignedBuffer
from station.erase.verify import MIN_SUBSECTIONS, subsection_samples

MAGIC = b"TRIAGE-STATION-ERASE-MARKER\0"


@dataclass
class Seeded:
    sector: int
    markers: list[tuple[int, bytes]] = field(default_factory=list)  # (offset, content)
    fingerprints: list[tuple[int, str, bool]] = field(default_factory=list)  # (offset, sha256, was all zero)
    seed: int = 0
    subsections: int = 0  # subsections whose samples were fingerprinted


@dataclass
class MarkerCheck:
    markers: int
    surviving: list[int]  # offsets whose marker is still there
    unchanged: list[int]  # fingerprinted sectors that held data and still hold it
    unreadable: list[int]

    @property
    def passed(self) -> bool:
        return self.markers > 0 and not self.surviving and not self.unchanged and not self.unreadable

    def to_dict(self) -> dict[str, object]:
        return {"markers": self.markers, "surviving": self.surviving[:50], "unchanged": self.unchanged[:50],
                "unreadable": self.unreadable[:50], "passed": self.passed}


def _lbas(rng: random.Random, total: int, count: int, avoid: set[int]) -> list[int]:
    chosen = {0, total - 1} - avoid if total > 1 else {0}
    while len(chosen) < min(count, max(total - len(avoid), 1)):
        lba = rng.randrange(total)
        if lba not in avoid:
            chosen.add(lba)
    return sorted(chosen)


def _sector_io(dev: Device) -> AlignedBuffer:
    return AlignedBuffer(dev.sector)


def sampled_lbas(total: int, seed: int, percent: float = 10.0) -> tuple[list[int], int]:
    """The first and last LBA and the first sector of both samples of every subsection; and how many."""
    subsections = min(MIN_SUBSECTIONS, max(total // 4, 1))
    found = {0, total - 1}
    for _lo, _hi, first, second, _length in subsection_samples(total, subsections, percent, seed):
        found.update((first, second))
    return sorted(found), subsections


def seed(path: str, count: int, job_id: str, *, sys_path: str | None = None, rng_seed: int | None = None,
         sample_percent: float = 10.0) -> Seeded:
    """Fingerprint the sampled sectors and `count` random ones, then write `count` random markers
    elsewhere (flushed to the media)."""
    dev = open_device(path, write=True, sys_path=sys_path)
    buf = _sector_io(dev)
    try:
        out = Seeded(dev.sector, seed=secrets.randbits(64) if rng_seed is None else rng_seed)
        rng = random.Random(out.seed)
        total = dev.size // dev.sector
        marker_lbas = _lbas(rng, total, count, set())
        sampled, out.subsections = sampled_lbas(total, out.seed, sample_percent)
        avoid = set(marker_lbas)
        fingerprinted = sorted(set(_lbas(rng, total, count, avoid)) | (set(sampled) - avoid))
        for lba in fingerprinted:
            pread_all(dev.fd, buf.view, lba * dev.sector)
            data = bytes(buf.view)
            out.fingerprints.append((lba * dev.sector, hashlib.sha256(data).hexdigest(), not any(data)))
        for lba in marker_lbas:
            content = (MAGIC + job_id.encode()[:32] + lba.to_bytes(8, "little") +
                       secrets.token_bytes(dev.sector))[:dev.sector]
            buf.view[:] = content
            pwrite_all(dev.fd, buf.view, lba * dev.sector)
            out.markers.append((lba * dev.sector, content))
        dev.sync()
        return out
    finally:
        buf.close()
        dev.close()


def check(path: str, seeded: Seeded, *, sys_path: str | None = None) -> MarkerCheck:
    """Read every marker and fingerprinted sector back through an uncached read."""
    dev = open_device(path, write=False, sys_path=sys_path)
    buf = _sector_io(dev)
    surviving, unchanged, unreadable = [], [], []

    def read(offset: int) -> bytes | None:
        try:
            pread_all(dev.fd, buf.view, offset)
        except OSError:
            unreadable.append(offset)
            return None
        return bytes(buf.view)

    try:
        surviving = [offset for offset, content in seeded.markers if read(offset) == content]
        for offset, digest, was_zero in seeded.fingerprints:
            got = read(offset)
            if got is not None and not was_zero and hashlib.sha256(got).hexdigest() == digest:
                unchanged.append(offset)
    finally:
        buf.close()
        dev.close()
    return MarkerCheck(len(seeded.markers), surviving, unchanged, unreadable)


def drop_caches(path: str) -> None:
    """Ask the kernel to forget cached pages of the device (reads after a firmware erase must hit it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)

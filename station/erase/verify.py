"""Verification: read the media back and compare it with what the last pass wrote.

Full verification reads every byte. Sampled verification is the representative sampling
NIST SP 800-88 Rev. 2 asks of verification (with IEEE 2883-2022): the media is split into
at least 1000 equal subsections; in each, two non-overlapping pseudorandom samples, each
at least 5 % of the subsection, so together at least 10 % of the media (more when
configured, up to 100 % = full); plus the first and the last LBA. The seed and every range
read go into the record, so anyone can re-derive and re-read exactly the same bytes.

Comparison is done in place with numpy on the read buffer (XOR with the expected
bytes, then "any non-zero?"), with no per-block allocation; only a mismatch costs more,
to locate it to the sector.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from station.certs.result import Verification, VerifyMode
from station.erase.engine import (
    Device,
    Failures,
    PassReport,
    Progress,
    ShouldStop,
    StopRequested,
    merge_range,
    pread_all,
    with_retries,
)
from station.erase.patterns import AlignedBuffer, BlockStream, FixedByte, Pattern, Piece

MIN_SUBSECTIONS = 1000
MAX_MISMATCHES_KEPT = 1000
STANDARD = "NIST SP 800-88 Rev. 2 verification by representative sampling (IEEE 2883-2022)"


@dataclass
class SamplePlan:
    ranges: list[tuple[int, int]]  # (offset, length) in bytes, sorted, merged, sector-aligned
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def bytes(self) -> int:
        return sum(n for _, n in self.ranges)


def full_plan(size: int) -> SamplePlan:
    return SamplePlan([(0, size)], {"ranges": [[0, size]]})


def subsection_samples(total: int, subsections: int, percent: float,
                       seed: int) -> list[tuple[int, int, int, int, int]]:
    """Per subsection, in sectors: (start, end, first sample, second sample, sample length)."""
    rng = random.Random(seed)
    out = []
    for i in range(subsections):
        lo, hi = i * total // subsections, (i + 1) * total // subsections
        span = hi - lo
        length = min(max(1, math.ceil(span * percent / 200.0)), span // 2)
        free = span - 2 * length
        # Two ordered non-overlapping intervals, uniform over all placements: the gaps
        # before them are two sorted uniform points in [0, free].
        x, y = sorted((rng.randint(0, free), rng.randint(0, free)))
        out.append((lo, hi, lo + x, lo + y + length, length))
    return out


def sample_plan(size: int, sector: int, percent: float = 10.0, *, seed: int | None = None,
                subsections: int = MIN_SUBSECTIONS) -> SamplePlan:
    """The sample: `percent` (10-100) of the media in 2 x `subsections` samples + first/last LBA."""
    percent = min(max(percent, 10.0), 100.0)
    total = size // sector
    subsections = max(subsections, MIN_SUBSECTIONS)
    if percent >= 100.0 or total < 2 * subsections:
        plan = full_plan(size)
        plan.detail["note"] = ("100 % requested" if percent >= 100.0 else
                               f"media of {total} sectors is too small for {subsections} subsections: read in full")
        return plan
    seed = secrets.randbits(64) if seed is None else seed
    raw: list[tuple[int, int]] = [(0, 1)]  # in sectors: the first LBA
    for _lo, _hi, first, second, length in subsection_samples(total, subsections, percent, seed):
        raw += [(first, length), (second, length)]
    raw.append((total - 1, 1))  # the last LBA
    merged: list[tuple[int, int]] = []
    for start, n in sorted(raw):
        if merged and start <= merged[-1][0] + merged[-1][1]:
            end = max(merged[-1][0] + merged[-1][1], start + n)
            merged[-1] = (merged[-1][0], end - merged[-1][0])
        else:
            merged.append((start, n))
    ranges = [(s * sector, n * sector) for s, n in merged]
    if sum(n for _, n in ranges) < size * percent / 100.0:  # subsections of a few sectors round down
        plan = full_plan(size)
        plan.detail["note"] = f"media of {total} sectors is too small to sample {percent:g} %: read in full"
        return plan
    listed = [[o, n] for o, n in ranges]
    plan = SamplePlan(ranges)
    plan.detail = {
        "standard": STANDARD,
        "subsections": subsections,
        "samples_per_subsection": 2,
        "sample_sectors": math.ceil((total // subsections) * percent / 200.0),
        "first_and_last_lba": True,
        "requested_percent": percent,
        "prng": "Python random.Random (MT19937)",
        "seed": seed,
        "ranges_sha256": hashlib.sha256(json.dumps(listed).encode()).hexdigest(),
        "ranges": listed,
    }
    return plan


@dataclass
class CompareReport(PassReport):
    mismatches: list[tuple[int, int]] = field(default_factory=list)
    mismatched_bytes: int = 0


def _record_mismatch(report: CompareReport, words: np.ndarray, offset: int, sector: int) -> None:
    """Locate differing words to sectors, as merged (offset, length) runs; keep at most a bounded list."""
    sectors = np.unique(np.flatnonzero(words) * 8 // sector)
    report.mismatched_bytes += len(sectors) * sector
    breaks = np.flatnonzero(np.diff(sectors) != 1) + 1
    for run in np.split(sectors, breaks):
        start, count = int(run[0]), len(run)
        touching = report.mismatches and sum(report.mismatches[-1]) == offset + start * sector
        if len(report.mismatches) < MAX_MISMATCHES_KEPT or touching:
            merge_range(report.mismatches, offset + start * sector, count * sector)


def read_compare(dev: Device, pattern: Pattern, ranges: list[tuple[int, int]], *, block: int, retries: int,
                 progress: Progress, should_stop: ShouldStop, report: CompareReport | None = None) -> CompareReport:
    """Read `ranges` and compare with `pattern`; unreadable pieces become bad ranges."""
    report = report if report is not None else CompareReport()
    failures = Failures(dev, retries, report)
    rbuf = AlignedBuffer(block)
    words = np.frombuffer(rbuf.view, dtype=np.uint64)
    got = words[:0]
    is_zero = isinstance(pattern, FixedByte) and pattern.value == 0
    try:
        with BlockStream(pattern, ranges, block) as stream:
            for piece in stream:
                if should_stop():
                    raise StopRequested
                n = piece.length
                view = rbuf.view if n == block else rbuf.view[:n]
                if not with_retries(dev, pread_all, view, piece.offset, retries):
                    # Unreadable: settle() narrows it to bad ranges; those bytes are not compared.
                    known = len(report.bad_ranges)
                    failures.settle(pread_all, view, piece.offset)
                    _mask_unreadable(view, piece, report.bad_ranges[max(known - 1, 0):], is_zero)
                else:
                    failures.dead_run, failures.last_good = 0, piece.offset
                got = words[: n // 8]
                if not is_zero:
                    np.bitwise_xor(got, np.frombuffer(piece.buf.view, dtype=np.uint64, count=n // 8), out=got)
                if got.any():
                    _record_mismatch(report, got, piece.offset, dev.sector)
                report.bytes_done += n
                progress(report.bytes_done)
    finally:
        del words, got  # release the buffer exports before unmapping
        rbuf.close()
    return report


def _mask_unreadable(view: memoryview, piece: Piece, bad: list[tuple[int, int]], is_zero: bool) -> None:
    """Put the expected bytes where the read failed, so a bad range is not also a mismatch."""
    end = piece.offset + piece.length
    for off, n in bad:
        lo, hi = max(off, piece.offset) - piece.offset, min(off + n, end) - piece.offset
        if lo < hi:
            view[lo:hi] = bytes(hi - lo) if is_zero else piece.buf.view[lo:hi]


def verification(mode: VerifyMode, plan: SamplePlan, report: CompareReport, pattern: Pattern,
                 size: int) -> Verification:
    passed = not report.mismatches and not report.bad_ranges and report.bytes_done == plan.bytes
    detail = dict(plan.detail)
    detail["mismatched_bytes"] = report.mismatched_bytes
    if report.bad_ranges:
        detail["unreadable_ranges"] = [list(r) for r in report.bad_ranges]
    return Verification(
        mode=mode, passed=passed, bytes_read=report.bytes_done, ranges_read=len(plan.ranges),
        percent_of_media=round(100.0 * plan.bytes / size, 4) if size else 0.0,
        expected=pattern.describe(), mismatches=list(report.mismatches), detail=detail,
    )

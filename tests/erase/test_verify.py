"""Verification: the NIST SP 800-88 Rev. 2 sample plan, and read-back that finds every wrong sector."""

from __future__ import annotations

import bisect
import itertools
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.erase import engine, patterns, verify
from tests.erase.wipe_fixtures import LoopFactory, MiB

pytestmark = pytest.mark.timeout(60)


def check_plan(size: int, sector: int, percent: float, plan: verify.SamplePlan) -> None:
    total = size // sector
    d = plan.detail
    if "subsections" not in d:  # too small to reach the share by sampling: everything is read
        assert plan.ranges == [(0, size)]
        assert "read in full" in d["note"]
        return
    subs = d["subsections"]
    assert subs >= 1000 and d["samples_per_subsection"] == 2
    ranges = plan.ranges
    assert all(o % sector == 0 and n % sector == 0 and n > 0 for o, n in ranges)
    assert ranges == sorted(ranges) and all(a[0] + a[1] < b[0] for a, b in itertools.pairwise(ranges))
    assert ranges[0][0] == 0 and ranges[-1][0] + ranges[-1][1] == size  # first and last LBA are read
    assert plan.bytes >= size * percent / 100 * 0.999
    # The samples behind the plan, from its recorded seed: two per subsection, inside it,
    # not overlapping, each at least 5 % of it, and every one of them is read.
    samples = verify.subsection_samples(total, subs, d["requested_percent"], d["seed"])
    assert len(samples) == subs and samples[0][0] == 0 and samples[-1][1] == total
    starts = [o for o, _ in ranges]
    for lo, hi, first, second, length in samples:
        assert lo <= first and first + length <= second and second + length <= hi
        assert length >= 0.05 * (hi - lo) and 2 * length >= (hi - lo) * min(percent, 100) / 100 - 1
        for s in (first, second):
            i = bisect.bisect_right(starts, s * sector) - 1
            assert ranges[i][0] <= s * sector and (s + length) * sector <= ranges[i][0] + ranges[i][1]
    assert d["ranges"] == [list(r) for r in ranges]
    assert len(d["ranges_sha256"]) == 64


@settings(max_examples=25, deadline=None)
@given(sectors=st.integers(min_value=2000, max_value=4_000_000), sector=st.sampled_from([512, 4096]),
       percent=st.floats(min_value=10.0, max_value=99.0), seed=st.integers(min_value=0, max_value=2**64 - 1))
def test_sample_plan_meets_nist_sampling(sectors: int, sector: int, percent: float, seed: int) -> None:
    size = sectors * sector
    plan = verify.sample_plan(size, sector, percent, seed=seed)
    check_plan(size, sector, percent, plan)
    assert plan.detail.get("seed", seed) == seed
    assert verify.sample_plan(size, sector, percent, seed=seed).ranges == plan.ranges  # reproducible


def test_ten_percent_is_the_floor_and_a_hundred_means_full() -> None:
    low = verify.sample_plan(2 << 30, 512, 1.0, seed=1)
    assert low.detail["requested_percent"] == 10.0 and low.bytes >= (2 << 30) // 10
    full = verify.sample_plan(2 << 30, 512, 100.0, seed=1)
    assert full.ranges == [(0, 2 << 30)]
    tiny = verify.sample_plan(512 * 1500, 512, 10.0, seed=1)
    assert tiny.ranges == [(0, 512 * 1500)] and "too small" in tiny.detail["note"]


def test_samples_differ_between_jobs() -> None:
    a, b = verify.sample_plan(1 << 30, 512, 10.0), verify.sample_plan(1 << 30, 512, 10.0)
    assert a.detail["seed"] != b.detail["seed"] and a.ranges != b.ranges


def write_at(path: str, offset: int, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, offset)
        os.fsync(fd)
    finally:
        os.close(fd)


def compare(path: str, pattern: patterns.Pattern, ranges: list[tuple[int, int]]) -> verify.CompareReport:
    dev = engine.open_device(path, write=False)
    try:
        return verify.read_compare(dev, pattern, ranges, block=4 * MiB, retries=0, progress=lambda _n: None,
                                   should_stop=lambda: False)
    finally:
        dev.close()


def test_full_read_back_locates_every_wrong_sector(loops: LoopFactory) -> None:
    loop = loops(8 * MiB, seed=None)  # zero-filled
    write_at(loop.path, 3 * MiB + 512 * 7 + 100, b"\x01")
    write_at(loop.path, 5 * MiB, b"\xff" * 1024)
    report = compare(loop.path, patterns.FixedByte(0), [(0, loop.size)])
    assert report.bytes_done == loop.size
    assert report.mismatches == [(3 * MiB + 512 * 7, 512), (5 * MiB, 1024)]
    assert report.mismatched_bytes == 3 * 512


def test_random_verification_regenerates_the_stream(loops: LoopFactory) -> None:
    loop = loops(8 * MiB, seed=None)
    key = os.urandom(32)
    dev = engine.open_device(loop.path, write=True)
    try:
        engine.write_pass(dev, patterns.AesCtrStream(key, 1), block=4 * MiB, retries=0, progress=lambda _n: None,
                          should_stop=lambda: False)
    finally:
        dev.close()
    plan = verify.sample_plan(loop.size, 512, 10.0, seed=42)
    assert not compare(loop.path, patterns.AesCtrStream(key, 1), plan.ranges).mismatches
    assert compare(loop.path, patterns.AesCtrStream(key, 0), plan.ranges).mismatched_bytes == plan.bytes
    # One flipped byte inside a sampled range is found; the record says where.
    o, n = plan.ranges[len(plan.ranges) // 2]
    with open(loop.path, "rb") as fh:
        fh.seek(o + n // 2)
        old = fh.read(1)
    write_at(loop.path, o + n // 2, bytes([old[0] ^ 0x80]))
    report = compare(loop.path, patterns.AesCtrStream(key, 1), plan.ranges)
    assert report.mismatches == [((o + n // 2) // 512 * 512, 512)]


def test_the_record_says_exactly_what_was_read(loops: LoopFactory) -> None:
    loop = loops(16 * MiB, seed=None)
    plan = verify.sample_plan(loop.size, 512, 12.5, seed=7)
    report = compare(loop.path, patterns.FixedByte(0), plan.ranges)
    record = verify.verification("sample", plan, report, patterns.FixedByte(0), loop.size)
    assert record.passed and record.bytes_read == plan.bytes == sum(n for _, n in record.detail["ranges"])
    assert record.ranges_read == len(plan.ranges)
    assert record.percent_of_media == pytest.approx(100 * plan.bytes / loop.size, abs=1e-3)
    assert record.detail["standard"].startswith("NIST SP 800-88")
    json.dumps(record.detail)  # goes into the certificate as is
    # A wrong byte outside every sampled range is, by definition, not seen by a sample.
    covered = set()
    for o, n in plan.ranges:
        covered.update(range(o // 512, (o + n) // 512))
    outside = next(s for s in range(loop.size // 512) if s not in covered)
    write_at(loop.path, outside * 512, b"\x55")
    assert not compare(loop.path, patterns.FixedByte(0), plan.ranges).mismatches
    assert compare(loop.path, patterns.FixedByte(0), [(0, loop.size)]).mismatches == [(outside * 512, 512)]

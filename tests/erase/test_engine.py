"""The overwrite engine on real loop devices, every byte read back with plain file reads."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from station.certs.result import Status
from station.devices.drive import discover
from station.erase import engine, patterns
from station.erase.procedure import JobSpec, OverwriteJob
from tests.erase.wipe_fixtures import Loop, LoopFactory, MiB, shutdown_fs

pytestmark = pytest.mark.timeout(60)


def run_job(loop_path: str, tmp_path: Path, method: str, verify: str = "full", *, block: int = 4 * MiB,
            should_stop=lambda: False, percent: float = 10.0):  # type: ignore[no-untyped-def]
    drive = discover.find(loop_path)
    job_dir = tmp_path / f"job-{method}-{verify}"
    job_dir.mkdir(exist_ok=True)
    spec = JobSpec(job_id=job_dir.name, path=loop_path, media=drive.facts, method=method, verify=verify,
                   identity=drive.identity, block_bytes=block, sample_percent=percent, retries=1,
                   data_dir=str(tmp_path / "data"))
    return OverwriteJob(spec, job_dir, should_stop).run()


def sectors_unchanged(before: bytes, after: bytes, sector: int = 512) -> int:
    return sum(1 for i in range(0, len(before), sector) if before[i:i + sector] == after[i:i + sector])


def test_clear_overwrites_every_byte_with_zeros(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(16 * MiB)
    assert loop.read_backing() == loop.expected_fill()
    result = run_job(loop.path, tmp_path, "clear", "full")
    assert result.status is Status.FINISHED and result.sanitized, result.reason
    assert loop.read_backing() == bytes(loop.size)
    assert result.bytes_written == loop.size
    assert result.verification is not None and result.verification.bytes_read == loop.size
    assert result.verification.percent_of_media == 100.0 and result.verification.expected.startswith("zero")


def test_one_pass_and_a_tail_shorter_than_a_block(loops: LoopFactory, tmp_path: Path) -> None:
    size = 9 * MiB + 3 * 512  # 2 full 4 MiB blocks, then 1 MiB + 3 sectors
    loop = loops(size)
    result = run_job(loop.path, tmp_path, "one", "full")
    assert result.sanitized, result.reason
    assert loop.read_backing() == b"\xff" * size


def test_random_pass_is_the_aes_ctr_stream_addressed_by_offset(loops: LoopFactory) -> None:
    loop = loops(12 * MiB + 512)
    key = bytes(range(32))
    dev = engine.open_device(loop.path, write=True)
    try:
        report = engine.write_pass(dev, patterns.AesCtrStream(key, pass_index=2), block=4 * MiB, retries=0,
                                   progress=lambda _n: None, should_stop=lambda: False)
    finally:
        dev.close()
    assert report.bytes_done == loop.size and not report.bad_ranges
    # Independently: one AES-256-CTR stream from counter block nonce=2 || 0 over the whole device.
    enc = Cipher(algorithms.AES(key), modes.CTR((2).to_bytes(8, "big") + bytes(8))).encryptor()
    assert loop.read_backing() == enc.update(bytes(loop.size))
    # And any range can be regenerated on its own: that is what sampled verification relies on.
    offset = 5 * MiB + 4096
    buf = patterns.AlignedBuffer(8192)
    patterns.AesCtrStream(key, pass_index=2).fill(buf, offset, 8192)
    assert bytes(buf.view) == loop.read_backing()[offset:offset + 8192]


def test_random_then_zero_and_dod3_leave_nothing_of_the_old_data(loops: LoopFactory, tmp_path: Path) -> None:
    a, b = loops(8 * MiB, seed=7), loops(8 * MiB, seed=8)
    r1 = run_job(a.path, tmp_path, "random-zero", "sample")
    assert r1.sanitized and r1.passes == ["random", "zero"] and r1.bytes_written == 2 * a.size
    assert a.read_backing() == bytes(a.size)
    r2 = run_job(b.path, tmp_path, "dod3", "full")
    assert r2.sanitized and r2.passes == ["zero", "one", "random"] and r2.bytes_written == 3 * b.size
    after = b.read_backing()
    assert sectors_unchanged(b.expected_fill(), after) == 0
    assert after.count(0) < len(after) // 100 and after.count(255) < len(after) // 100  # random, not a fill
    assert r2.key_sha256 and len(r2.key_sha256) == 64  # only the key's hash is kept


def test_each_job_has_its_own_key(loops: LoopFactory, tmp_path: Path) -> None:
    a, b = loops(4 * MiB), loops(4 * MiB)
    r1, r2 = run_job(a.path, tmp_path, "random", "sample"), run_job(b.path, tmp_path, "random", "sample")
    assert r1.sanitized and r2.sanitized and r1.key_sha256 != r2.key_sha256
    assert hashlib.sha256(a.read_backing()).digest() != hashlib.sha256(b.read_backing()).digest()


def test_verify_zero_writes_nothing_and_fails_on_data(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    result = run_job(loop.path, tmp_path, "verify-zero", "full")
    assert result.status is Status.FAILED and not result.sanitized and result.bytes_written == 0
    assert result.verification is not None and not result.verification.passed
    assert result.verification.mismatches[0] == (0, loop.size)  # every sector differs, merged into one range
    assert loop.read_backing() == loop.expected_fill()


def test_write_errors_are_retried_recorded_and_fail_the_job(loops: LoopFactory, tmp_path: Path) -> None:
    """A sparse file on a full 64 MiB ext4: O_DIRECT writes hit ENOSPC near 53 MiB."""
    outer = loops(64 * MiB, seed=None)
    mnt = loops.mount(outer, tmp_path / "small")
    inner = loops(60 * MiB, folder=mnt, sparse=True)
    result = run_job(inner.path, tmp_path, "zero", "full", block=4 * MiB)
    assert result.status is Status.FAILED and not result.sanitized
    assert result.bad_ranges and "could not be written" in result.reason, result.reason
    first_bad = result.bad_ranges[0][0]
    assert 32 * MiB < first_bad < 60 * MiB and first_bad % MiB == 0  # narrowed to 1 MiB pieces
    assert sum(result.bad_ranges[-1]) == inner.size  # the pass went on to the end
    assert result.retried_ranges
    with open(inner.path, "rb") as fh:  # what could be written was written
        assert fh.read(first_bad) == bytes(first_bad)


def test_a_bad_region_is_skipped_while_the_drive_still_answers(loops: LoopFactory, tmp_path: Path) -> None:
    """Far more failing blocks in a row than DEAD_AFTER, on a drive that still reads: the pass
    records them and goes on to the end; only bytes that reached the drive count as written."""
    outer = loops(64 * MiB, seed=None)
    mnt = loops.mount(outer, tmp_path / "small")
    inner = loops(128 * MiB, folder=mnt, sparse=True)
    result = run_job(inner.path, tmp_path, "zero", "full", block=4 * MiB)
    assert result.status is Status.FAILED and "stopped answering" not in result.reason
    assert "could not be written" in result.reason
    bad = sum(length for _, length in result.bad_ranges)
    assert bad > engine.DEAD_AFTER * 4 * MiB and sum(result.bad_ranges[-1]) == inner.size  # to the end
    assert result.bytes_written == inner.size - bad
    with open(inner.path, "rb") as fh:  # what could be written was written
        first_bad = result.bad_ranges[0][0]
        assert fh.read(first_bad) == bytes(first_bad)


def test_a_drive_that_stops_answering_mid_wipe_is_never_erased(loops: LoopFactory, tmp_path: Path) -> None:
    outer = loops(64 * MiB, seed=None)
    mnt = loops.mount(outer, tmp_path / "storage")
    inner = loops(32 * MiB, folder=mnt)
    calls = {"n": 0}

    def pull_after_a_few_blocks() -> bool:
        calls["n"] += 1
        if calls["n"] == 3:
            shutdown_fs(mnt)  # every later I/O to the backing storage fails with EIO
        return False

    result = run_job(inner.path, tmp_path, "zero", "full", block=4 * MiB, should_stop=pull_after_a_few_blocks)
    assert result.status is Status.FAILED and not result.sanitized
    assert "stopped answering" in result.reason and "NOT erased" in result.reason
    assert result.verification is None


def test_stop_request_aborts_between_blocks(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(16 * MiB)
    calls = {"n": 0}

    def stop_on_third() -> bool:
        calls["n"] += 1
        return calls["n"] >= 3

    result = run_job(loop.path, tmp_path, "zero", "full", should_stop=stop_on_third)
    assert result.status is Status.ABORTED and not result.sanitized
    assert result.bytes_written == 2 * 4 * MiB
    after = loop.read_backing()
    assert after[: 8 * MiB] == bytes(8 * MiB) and after[8 * MiB:] == loop.expected_fill()[8 * MiB:]


def test_refuses_a_mounted_drive_and_a_different_drive_at_the_path(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(16 * MiB, seed=None)
    loops.mount(loop, tmp_path / "m")
    before = loop.read_backing()
    result = run_job(loop.path, tmp_path, "zero", "full")
    assert result.status is Status.FAILED and "mounted filesystem" in result.reason
    assert "nothing was written" in result.reason and result.bytes_written == 0
    assert loop.read_backing() == before

    other = loops(8 * MiB)
    drive = discover.find(other.path)
    spec = JobSpec(job_id="x", path=other.path, media=drive.facts, method="zero", verify="none",
                   identity="SOME-OTHER-SERIAL", data_dir=str(tmp_path))
    (tmp_path / "x").mkdir()
    result = OverwriteJob(spec, tmp_path / "x", lambda: False).run()
    assert result.status is Status.FAILED and "not SOME-OTHER-SERIAL" in result.reason
    assert other.read_backing() == other.expected_fill()


def test_4k_native_sectors(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(16 * MiB, extra=("--sector-size", "4096"))
    assert discover.find(loop.path).facts.logical_sector == 4096
    result = run_job(loop.path, tmp_path, "random", "sample", percent=20.0)
    assert result.sanitized, result.reason
    v = result.verification
    assert v is not None and all(o % 4096 == 0 and n % 4096 == 0 for o, n in v.detail["ranges"])


def test_image_files_fall_back_from_o_direct_only_where_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "bay.img"
    with open(path, "wb") as fh:
        fh.write(os.urandom(MiB))
    dev = engine.open_device(str(path), write=True)
    try:
        assert dev.direct and not dev.is_block and dev.size == MiB
        engine.write_pass(dev, patterns.FixedByte(0), block=4 * MiB, retries=0, progress=lambda _n: None,
                          should_stop=lambda: False)
    finally:
        dev.close()
    assert path.read_bytes() == bytes(MiB)


def test_loop_fixture_really_holds_the_pattern(loops: LoopFactory) -> None:
    loop: Loop = loops(MiB, seed=99)
    with open(loop.path, "rb") as fh:  # through the block device too, not only the backing file
        assert fh.read() == loop.expected_fill()

"""A full disk under the data folder: every command ends in a sentence, and nothing is left half-written.

The data folder lives on a real 2 MiB tmpfs (CI runs as root), filled to the last block.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from station.certs import keys
from station.context import open_station
from station.errors import StoreError
from tests.labels.helpers import make_unit


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


def _fill(folder: Path) -> None:
    """Take every free block, down to the last 512 bytes."""
    chunk = b"\0" * 65536
    with open(folder / f"filler-{len(list(folder.glob('filler-*')))}", "wb", buffering=0) as fh:
        while chunk:
            try:
                fh.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                chunk = chunk[: len(chunk) // 2] if len(chunk) > 512 else b""


def _station(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station", "--data-dir", str(data), *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def _says_it_plainly(r: subprocess.CompletedProcess[str], *words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stderr.startswith("station: "), r.stderr
    for w in words:
        assert w in r.stderr, r.stderr


def test_disk_full_ends_every_command_in_a_sentence(tiny_disk: Path) -> None:
    data = tiny_disk / "data"
    ctx = open_station(data)
    uid = make_unit(ctx)
    ctx.close()
    held = open_station(data)  # open while there is space: its -wal and -shm files exist
    _fill(tiny_disk)

    # A write through Store.session(): SQLite's "database or disk is full".
    with pytest.raises(StoreError, match=r"could not be used: the disk is full\. Nothing was saved"):  # noqa: PT012
        for i in range(200):  # until the disk is full
            make_unit(held, imei=f"35693803564{i:04d}")
    held.close()  # its WAL is checkpointed and removed: fill the space that freed
    _fill(tiny_disk)
    # A command opening the database: SQLite cannot even map its -shm file, and says "disk I/O error".
    r = _station(data, "operator", "add", "Dana", "--pin-stdin", stdin="4321\n")
    _says_it_plainly(r, "the disk is full")

    # The signing key is created on first use: no 0-byte key may be left to break every later certificate.
    r = _station(data, "cert", "export-key", "--out", str(tiny_disk / "station.pub.pem"))
    _says_it_plainly(r, "the disk is full")
    assert not (data / "keys" / keys.PRIVATE_NAME).exists() and not (tiny_disk / "station.pub.pem").exists()

    # The label PNG is written whole or not at all (the database on another disk this time).
    out = tiny_disk / "label.png"
    elsewhere = tiny_disk.parent / "data2"
    ctx = open_station(elsewhere)
    other = make_unit(ctx)
    ctx.close()
    r = _station(elsewhere, "label", "render", other, "--layout", "4x6in", "--out", str(out))
    _says_it_plainly(r, "label image", "the disk is full")
    assert not out.exists()
    assert [p.name for p in tiny_disk.iterdir() if p.name.startswith(".")] == []  # no temporary files left

    # Space again: everything works, and the database lost nothing on the way.
    for filler in tiny_disk.glob("filler-*"):
        os.unlink(filler)
    r = _station(data, "label", "render", uid, "--layout", "4x6in", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 0
    r = _station(data, "db", "check")
    assert r.returncode == 0 and "healthy" in r.stdout, r.stdout

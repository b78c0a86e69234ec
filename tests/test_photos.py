"""Photo storage: content-addressed files, metadata, events, the required set, disk full."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from station import clock, photos, units
from station.context import Operator, open_station
from station.errors import UserFacingError
from station.models import Event, Outbox, Photo
from station.models import Operator as OperatorRow


def _frame(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (120, 160, 3), dtype=np.uint8)


def _unit(ctx, device_class: str = "phone") -> str:
    with ctx.store.session() as s:
        return units.create(s, ctx.actor, {"imei": f"35209900176148{device_class[:1]}"},
                            device_class=device_class).uid


def _sign_in(ctx, role: str) -> None:
    with ctx.store.session() as s:
        row = OperatorRow(name=f"{role} one", role=role, created_at=clock.iso())
        s.add(row)
        s.flush()
        ctx.operator = Operator(row.id, row.name, role)


def test_photo_is_content_addressed_and_referenced_by_an_event(ctx) -> None:
    uid = _unit(ctx)
    rec = photos.save_photo(ctx, uid, _frame(), stage="intake", shot="front", camera="Bench cam",
                            quality={"blur": 321.0})
    data = rec.path.read_bytes()
    assert rec.sha256 == hashlib.sha256(data).hexdigest()
    assert rec.path == ctx.data.blobs / rec.sha256[:2] / f"{rec.sha256}.jpg"
    with ctx.store.reader() as s:
        photo = s.execute(select(Photo)).scalar_one()
        ev = s.get(Event, photo.event_id)
        assert ev.kind == "photo.captured" and json.loads(ev.payload)["sha256"] == rec.sha256
        assert (photo.stage, photo.shot, photo.camera) == ("intake", "front", "Bench cam")
        blobs = s.execute(select(Outbox.ref).where(Outbox.kind == "blob")).scalars().all()
        assert blobs == [rec.sha256]  # travels with the sync


def test_the_same_picture_is_stored_once(ctx) -> None:
    uid = _unit(ctx)
    a = photos.save_photo(ctx, uid, _frame(1), stage="intake", shot="front", camera=None, quality={})
    b = photos.save_photo(ctx, uid, _frame(1), stage="final", shot="front", camera=None, quality={})
    assert a.path == b.path
    assert len(list(ctx.data.blobs.rglob("*.jpg"))) == 1
    assert len(photos.photos_of(ctx, uid)) == 2


def test_required_set_comes_from_the_grading_matrix_and_blocks_finishing(ctx) -> None:
    uid = _unit(ctx, "drive")
    names = [s.name for s in photos.shot_list(ctx, uid) if s.required]
    assert names == ["label", "connector"]
    with ctx.store.reader() as s:
        unit = units.by_uid(s, uid)
        blocked = photos.finish_check(s, unit)
    assert blocked and "label, connector" in blocked
    for i, name in enumerate(names):
        photos.save_photo(ctx, uid, _frame(i), stage="intake", shot=name, camera=None, quality={})
    with ctx.store.reader() as s:
        assert photos.finish_check(s, units.by_uid(s, uid)) is None


def test_only_a_supervisor_can_override_missing_photos_and_must_say_why(ctx) -> None:
    uid = _unit(ctx, "laptop")
    _sign_in(ctx, "technician")
    with pytest.raises(UserFacingError, match="Only a supervisor"):
        photos.override_missing(ctx, uid, "camera broken")
    _sign_in(ctx, "supervisor")
    with pytest.raises(UserFacingError, match="reason"):
        photos.override_missing(ctx, uid, "  ")
    photos.override_missing(ctx, uid, "camera broken, photos at the next bench")
    with ctx.store.reader() as s:
        assert photos.finish_check(s, units.by_uid(s, uid)) is None
        ev = s.execute(select(Event).where(Event.kind == "photo.override")).scalar_one()
        assert json.loads(ev.payload)["missing"] == ["lid", "open_front", "keyboard", "bottom"]


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 1 MiB tmpfs: the data disk fills after a few photos (CI runs as root)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


def test_disk_full_is_a_clear_sentence_and_nothing_half_written_is_referenced(tmp_path: Path, tiny_disk: Path) -> None:
    ctx = open_station(tmp_path / "data")
    try:
        ctx.data.blobs.rmdir()
        ctx.data.blobs.symlink_to(tiny_disk, target_is_directory=True)
        uid = _unit(ctx)
        saved, error = 0, None
        for i in range(40):  # ~60 KB of noise per JPEG
            frame = np.random.default_rng(i).integers(0, 255, (240, 320, 3), dtype=np.uint8)
            try:
                photos.save_photo(ctx, uid, frame, stage="intake", shot="front", camera=None, quality={})
                saved += 1
            except UserFacingError as exc:
                error = exc
                break
        assert error is not None and saved > 0
        assert "data disk is full" in str(error) and "retake" in str(error).lower()
        with ctx.store.reader() as s:
            rows = s.execute(select(Photo.sha256)).scalars().all()
            assert s.execute(select(func.count()).select_from(Event).where(Event.kind == "photo.captured")
                             ).scalar_one() == saved
        assert len(rows) == saved
        for sha in rows:  # every referenced file is whole
            assert hashlib.sha256(photos.blob_path(ctx.data, sha).read_bytes()).hexdigest() == sha
        assert not [p for p in tiny_disk.rglob("*") if p.name.endswith(".tmp")]
    finally:
        ctx.close()

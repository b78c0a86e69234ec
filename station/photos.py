"""Cosmetic photos: content-addressed JPEG files, metadata rows, the required set.

A photo is referenced (row + event) only after its file is durable on disk, so a full
disk or a crash never leaves a record pointing at half a file.
"""

from __future__ import annotations

import errno
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from station import atomic, clock, events, units
from station.context import StationContext
from station.errors import UserFacingError
from station.i18n import _
from station.models import Event, Photo, Unit
from station.paths import DataDir

JPEG_QUALITY = 90
STAGES = ("intake", "defect", "final")


@dataclass(frozen=True)
class ShotStatus:
    name: str
    stage: str
    description: str
    required: bool
    taken: int  # how many photos of this shot the unit has


@dataclass(frozen=True)
class PhotoRecord:
    id: int
    sha256: str
    path: Path
    stage: str
    shot: str
    quality: dict[str, Any]
    created_at: str


def blob_path(data: DataDir, sha256: str) -> Path:
    return data.blobs / sha256[:2] / f"{sha256}.jpg"


def _disk_error(exc: OSError, where: Path) -> UserFacingError:
    if exc.errno == errno.ENOSPC:
        why = "the data disk is full"
        todo = "Free space on it (or ask IT), then retake."
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = "the data folder cannot be written"
        todo = "Ask IT to check the disk and its permissions, then retake."
    else:
        why = exc.strerror or str(exc)
        todo = "Retake; if it happens again, call IT."
    return UserFacingError(_("The photo was not saved: {why} ({where}). {todo}").format(
            why=why, where=where, todo=todo))


def store_jpeg(data: DataDir, jpeg: bytes) -> tuple[str, Path]:
    """Write `jpeg` under its sha256: tmp file, fsync, rename, fsync the folder."""
    sha = hashlib.sha256(jpeg).hexdigest()
    final = blob_path(data, sha)
    if final.exists() and final.stat().st_size == len(jpeg):
        return sha, final  # the same bytes are already stored
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_atomic(final, jpeg)
    except OSError as exc:
        raise _disk_error(exc, final.parent) from exc
    return sha, final


def encode_jpeg(frame: np.ndarray) -> bytes:
    import cv2  # only when a photo is taken: OpenCV costs a noticeable part of a cold start

    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise UserFacingError(_("The camera picture could not be encoded as JPEG. Retake the photo."))
    return buf.tobytes()


def _unit(s: Session, uid: str) -> Unit:
    unit = units.by_uid(s, uid)
    if unit is None:
        raise UserFacingError(_("Unit {uid} is not in this station's records. Scan the device again.").format(uid=uid))
    return unit


def save_photo(ctx: StationContext, unit_uid: str, frame: np.ndarray, *, stage: str, shot: str,
               camera: str | None, quality: dict[str, Any]) -> PhotoRecord:
    if stage not in STAGES:
        raise ValueError(f"unknown photo stage {stage!r}")
    sha, path = store_jpeg(ctx.data, encode_jpeg(frame))
    h, w = frame.shape[:2]
    with ctx.store.session() as s:
        unit = _unit(s, unit_uid)
        ev = events.append(s, ctx.actor, "photo.captured",
                           {"sha256": sha, "stage": stage, "shot": shot, "camera": camera,
                            "width": w, "height": h, "quality": quality}, unit)
        photo = Photo(unit_id=unit.id, sha256=sha, stage=stage, shot=shot, camera=camera, width=w, height=h,
                      quality=json.dumps(quality), operator_id=ctx.actor.operator_id, event_id=ev.id,
                      created_at=ev.created_at)
        s.add(photo)
        events.enqueue_blob(s, sha)
        s.flush()
        return PhotoRecord(photo.id, sha, path, stage, shot, quality, photo.created_at)


def photos_of(ctx: StationContext, unit_uid: str) -> list[PhotoRecord]:
    with ctx.store.reader() as s:
        rows = s.execute(select(Photo).join(Unit).where(Unit.uid == unit_uid).order_by(Photo.id)).scalars()
        return [PhotoRecord(p.id, p.sha256, blob_path(ctx.data, p.sha256), p.stage, p.shot,
                            json.loads(p.quality), p.created_at) for p in rows]


def _shots_for(device_class: str) -> list[Any]:
    from station.grading import required_shots

    return list(required_shots(device_class))


def shot_list(ctx: StationContext, unit_uid: str) -> list[ShotStatus]:
    with ctx.store.reader() as s:
        unit = _unit(s, unit_uid)
        taken = _taken(s, unit)
        return [ShotStatus(sh.name, sh.stage, sh.description, sh.required, taken.get(sh.name, 0))
                for sh in _shots_for(unit.device_class)]


def _taken(s: Session, unit: Unit) -> dict[str, int]:
    counts: dict[str, int] = {}
    for shot in s.execute(select(Photo.shot).where(Photo.unit_id == unit.id)).scalars():
        counts[shot] = counts.get(shot, 0) + 1
    return counts


def missing_shots(s: Session, unit: Unit) -> list[str]:
    taken = _taken(s, unit)
    return [sh.name for sh in _shots_for(unit.device_class) if sh.required and not taken.get(sh.name)]


def finish_check(s: Session, unit: Unit) -> str | None:
    """Blocks finishing a unit while required shots are missing, unless a supervisor overrode it."""
    missing = missing_shots(s, unit)
    if not missing:
        return None
    overridden = s.execute(select(Event.id).where(Event.unit_id == unit.id, Event.kind == "photo.override")
                           .limit(1)).first()
    if overridden:
        return None
    return (f"Required photos are missing: {', '.join(missing)}. Take them on the Photos panel "
            "(Ctrl+3), or ask a supervisor to override with a reason.")


def override_missing(ctx: StationContext, unit_uid: str, reason: str) -> None:
    op = ctx.operator
    if op is None or not op.is_supervisor:
        raise UserFacingError(_("Only a supervisor can finish a unit without its required photos. Ask a "
                                "supervisor to sign in."))
    if not reason.strip():
        raise UserFacingError(_("Give a reason for finishing without the required photos."))
    with ctx.store.session() as s:
        unit = _unit(s, unit_uid)
        events.append(s, ctx.actor, "photo.override", {"reason": reason.strip(), "missing": missing_shots(s, unit),
                                                       "at": clock.iso()}, unit)

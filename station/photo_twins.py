"""A new photo that is the same picture as one already taken: refused, with the reason.

Photos carry a perceptual hash (computed by the camera's quality check). A picture within a
few bits of another shot of this unit, or of a shot of the previous unit photographed here,
is the same view again: a front stored as the back, or last unit's picture under this one.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import units
from station.context import StationContext
from station.models import Photo, Unit

NEAR_BITS = 6  # of 64: below this, two pictures show the same view


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _hashes(s: Session, unit_id: int) -> list[tuple[str, str]]:
    rows = s.execute(select(Photo.shot, Photo.quality).where(Photo.unit_id == unit_id).order_by(Photo.id))
    found = []
    for shot, quality in rows:
        h = json.loads(quality or "{}").get("phash")
        if h:
            found.append((shot, h))
    return found


def twin(ctx: StationContext, unit_uid: str, shot: str, phash: str) -> str | None:
    """The sentence refusing this picture, or None when it is a new view."""
    with ctx.store.reader() as s:
        unit = units.by_uid(s, unit_uid)
        if unit is None:
            return None
        for other, h in _hashes(s, unit.id):
            if other != shot and distance(h, phash) < NEAR_BITS:
                return (f"This picture is the same as this unit's '{other}' photo. Turn the device to show the "
                        f"{shot}, then retake.")
        previous = s.execute(select(Photo.unit_id).where(Photo.unit_id != unit.id).order_by(Photo.id.desc())
                             .limit(1)).scalar()
        if previous is not None:
            for other, h in _hashes(s, previous):
                if distance(h, phash) < NEAR_BITS:
                    prev_uid = s.execute(select(Unit.uid).where(Unit.id == previous)).scalar()
                    return (f"This picture is the same as the '{other}' photo of the previous unit {prev_uid}. "
                            f"Put this unit under the camera, then retake.")
    return None

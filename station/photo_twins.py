"""A new photo that is the same picture as one already taken: refused, with the reason.

Photos carry a perceptual hash and the mask of its bits that noise cannot flip (both computed by
the camera's quality check). A picture within a few steady bits of another shot of this unit,
or of a shot of the previous unit photographed here, is the same view again: a front stored as
the back, or last unit's picture under this one. Photos from before the mask count every bit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import units
from station.context import StationContext
from station.models import Photo, Unit

NEAR_BITS = 5  # of the bits steady in both: below this, two pictures show the same view
ALL_BITS = "f" * 16


@dataclass(frozen=True)
class Fingerprint:
    phash: str
    steady: str = ALL_BITS

    @classmethod
    def of(cls, quality: dict[str, Any]) -> Fingerprint | None:
        h = quality.get("phash")
        return cls(h, quality.get("phash_steady") or ALL_BITS) if h else None


def distance(a: str, b: str, steady_a: str = ALL_BITS, steady_b: str = ALL_BITS) -> int:
    return ((int(a, 16) ^ int(b, 16)) & int(steady_a, 16) & int(steady_b, 16)).bit_count()


def near(a: Fingerprint, b: Fingerprint) -> bool:
    return distance(a.phash, b.phash, a.steady, b.steady) < NEAR_BITS


def _prints(s: Session, unit_id: int) -> list[tuple[str, Fingerprint]]:
    rows = s.execute(select(Photo.shot, Photo.quality).where(Photo.unit_id == unit_id).order_by(Photo.id))
    found = []
    for shot, quality in rows:
        fp = Fingerprint.of(json.loads(quality or "{}"))
        if fp:
            found.append((shot, fp))
    return found


def twin(ctx: StationContext, unit_uid: str, shot: str, new: Fingerprint) -> str | None:
    """The sentence refusing this picture, or None when it is a new view."""
    with ctx.store.reader() as s:
        unit = units.by_uid(s, unit_uid)
        if unit is None:
            return None
        for other, fp in _prints(s, unit.id):
            if other != shot and near(fp, new):
                return (f"This picture is the same as this unit's '{other}' photo. Turn the device to show the "
                        f"{shot}, then retake.")
        previous = s.execute(select(Photo.unit_id).where(Photo.unit_id != unit.id).order_by(Photo.id.desc())
                             .limit(1)).scalar()
        if previous is not None:
            for other, fp in _prints(s, previous):
                if near(fp, new):
                    prev_uid = s.execute(select(Unit.uid).where(Unit.id == previous)).scalar()
                    return (f"This picture is the same as the '{other}' photo of the previous unit {prev_uid}. "
                            f"Put this unit under the camera, then retake.")
    return None

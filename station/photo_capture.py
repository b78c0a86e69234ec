"""What the Photos panel asks of a camera: open one, capture a checked photo, calibrate.

Blocking functions that return data; the UI runs them through its background helper.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from station import photo_twins, photos
from station.context import StationContext
from station.devices.camera import quality
from station.devices.camera.capture import CameraSession
from station.devices.manager import DeviceManager
from station.errors import DeviceError
from station.i18n import _
from station.models import Meta


@dataclass
class CaptureOutcome:
    shot: str
    saved: bool
    quality: dict[str, Any]
    failures: list[str] = field(default_factory=list)
    photo: photos.PhotoRecord | None = None


def open_camera(manager: DeviceManager, on_state: Callable[[str], None] | None = None) -> CameraSession:
    found = manager.devices("camera") or manager.scan("camera")
    if not found:
        raise DeviceError(_("No camera is connected. Plug in the bench camera; the preview starts by itself."))
    session = manager.session_for(found[0])
    if not isinstance(session, CameraSession):
        raise DeviceError(_("{label} is not a camera this station can preview.").format(label=found[0].label))
    session.on_state = on_state
    return session


def _threshold_key(session: CameraSession) -> str:
    return f"camera.blur_threshold:{session.info.id}"


def blur_threshold(ctx: StationContext, session: CameraSession) -> float:
    with ctx.store.reader() as s:
        row = s.get(Meta, _threshold_key(session))
    return float(row.value) if row else ctx.config.get_float("camera.blur_threshold")


def capture_checked(ctx: StationContext, session: CameraSession, unit_uid: str, shot: str,
                    stage: str) -> CaptureOutcome:
    """Take the newest frame, check it, and store it only when every check passes."""
    _n, frame, previous = session.latest_pair()
    if frame is None or not session.is_usable():
        raise DeviceError(_("{label} sends no picture. Check that it is plugged in, then retake.").format(
                label=session.info.label))
    q = quality.assess(frame, previous, blur_threshold(ctx, session))
    if not q.ok:
        return CaptureOutcome(shot, False, q.to_dict(), q.failures)
    fp = photo_twins.Fingerprint(quality.phash(frame), quality.phash_steady(frame))
    checked = {**q.to_dict(), "phash": fp.phash, "phash_steady": fp.steady}
    same = photo_twins.twin(ctx, unit_uid, shot, fp)
    if same:
        return CaptureOutcome(shot, False, checked, [same])
    record = photos.save_photo(ctx, unit_uid, frame, stage=stage, shot=shot, camera=session.info.label,
                               quality=checked)
    return CaptureOutcome(shot, True, checked, [], record)


def calibrate(ctx: StationContext, session: CameraSession, frames: int = 9) -> float:
    """Measure a sharp target over a few frames and store this camera's blur threshold."""
    scores, last = [], 0
    for _frame in range(frames):
        last, frame = session.wait_frame(after=last, timeout=3.0)
        scores.append(quality.blur_score(frame))
        time.sleep(0.02)
    threshold = quality.calibrated_threshold(scores)
    with ctx.store.session() as s:
        s.merge(Meta(key=_threshold_key(session), value=f"{threshold:.3f}"))
    return threshold

"""The same picture twice is refused: as another shot of this unit, or under the next unit. And the
demo camera's pictures pass the quality checks (they were refused as frozen 9 times in 10)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from station import operators, photo_twins, photos, units
from station.devices.camera import quality
from station.sim.camera import write_demo_video
from tests.devices.camera_videos import _scene


def _frames(path) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


@pytest.fixture(scope="module")
def demo_frames(tmp_path_factory) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return _frames(write_demo_video(tmp_path_factory.mktemp("demo") / "camera.avi"))


def test_every_demo_frame_passes_the_quality_checks(demo_frames) -> None:
    assert len(demo_frames) >= 60
    refused = [i for i, f in enumerate(demo_frames)
               if not quality.assess(f, demo_frames[i - 1] if i else None, 100.0).ok]
    assert refused == []


def test_demo_pictures_half_a_second_apart_are_different_views(demo_frames) -> None:
    prints = [_print(f) for f in demo_frames]
    near = [(i, j) for i in range(len(prints)) for j in range(i + 8, len(prints))
            if photo_twins.near(prints[i], prints[j])]
    assert near == []
    # ...while one view seen twice (a camera's noise apart) is the same picture
    assert photo_twins.near(prints[0], _print(cv2.GaussianBlur(demo_frames[0], (3, 3), 0)))


def _print(frame: np.ndarray) -> photo_twins.Fingerprint:
    return photo_twins.Fingerprint(quality.phash(frame), quality.phash_steady(frame))


def _save(ctx, uid: str, frame: np.ndarray, shot: str) -> None:  # type: ignore[no-untyped-def]
    fp = _print(frame)
    photos.save_photo(ctx, uid, frame, stage="intake", shot=shot, camera="test",
                      quality={"phash": fp.phash, "phash_steady": fp.steady})


def _one_view_with_noise(seed: int, view: int, frames: int = 20) -> list[np.ndarray]:
    """A device that is never turned, as a camera sends it: sensor noise, then JPEG."""
    rng = np.random.default_rng(seed)
    still = _scene(view, rng)
    out = []
    for _ in range(frames):
        noisy = np.clip(still.astype(np.int16) + rng.integers(-6, 7, still.shape), 0, 255).astype(np.uint8)
        out.append(cv2.imdecode(cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 75])[1], cv2.IMREAD_COLOR))
    return out


def test_one_view_under_sensor_noise_is_always_the_same_picture() -> None:
    # A checkerboard face has little coarse structure: phash bits a hair from the median followed the
    # noise, and one view seen twice differed in up to 9 bits, so it was saved as a second shot.
    worst = 0
    for seed in range(4):
        for view in range(6):
            prints = [_print(f) for f in _one_view_with_noise(seed, view)]
            worst = max(worst, max(photo_twins.distance(a.phash, b.phash, a.steady, b.steady)
                                   for i, a in enumerate(prints) for b in prints[i + 1:]))
    assert worst < photo_twins.NEAR_BITS


def test_a_picture_already_taken_is_refused_with_the_reason(ctx, demo_frames) -> None:
    operators.add(ctx, "Ana", "technician", "OP-1001", "1357")
    operators.sign_in_badge(ctx, "OP-1001")
    with ctx.store.session() as s:
        first = units.create(s, ctx.actor, {"imei": "356938035643809"}, device_class="phone").uid
        second = units.create(s, ctx.actor, {"imei": "352099001761481"}, device_class="phone").uid
    front, back = demo_frames[0], demo_frames[60]
    _save(ctx, first, front, "front")
    same = _print(front.copy())
    assert "same as this unit's 'front' photo" in photo_twins.twin(ctx, first, "back", same)
    assert photo_twins.twin(ctx, first, "front", same) is None  # a retake of the same shot may look alike
    assert photo_twins.twin(ctx, first, "back", _print(back)) is None
    _save(ctx, first, back, "back")
    said = photo_twins.twin(ctx, second, "front", _print(back))
    assert said is not None and f"previous unit {first}" in said
    assert photo_twins.twin(ctx, second, "front", _print(demo_frames[120])) is None


def test_a_looping_camera_file_prints_nothing_on_stderr(tmp_path) -> None:
    import subprocess
    import sys

    # The demo camera's file is written after its session opened: until then, and at each reopen at
    # the end of the loop, OpenCV was asked to open it as a V4L2 device and said so on stderr.
    video = tmp_path / "cam.avi"
    code = ("import time\nfrom pathlib import Path\nfrom station.devices.base import DeviceInfo\n"
            "from station.devices.camera.capture import CameraSession\n"
            "from tests.devices.camera_videos import write_video\n"
            f"cam = CameraSession(DeviceInfo('camera', 'file:cam', 'cam', {str(video)!r}), loop_file=True)\n"
            f"time.sleep(1.2)\nwrite_video(Path({str(video)!r}), 'sharp', frames=6)\n"
            "n, _ = cam.wait_frame(timeout=5.0)\ntime.sleep(1.0)\nassert cam.latest()[0] > 6\ncam.close()\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # OpenCV said "VIDEOIO(V4L2) ... can't be used to capture by name" at each reopen

"""Quality checks on real cv2 capture of video files: each check fires exactly when it should."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from station.devices.base import DeviceInfo
from station.devices.camera import quality, v4l2
from station.devices.camera.capture import CameraSession
from tests.devices.camera_videos import write_video

THRESHOLD = 100.0
KINDS = ("sharp", "blurred", "dark", "overexposed", "frozen")


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("videos")
    return {k: write_video(d / f"{k}.avi", k) for k in KINDS}


def _session(path: Path, loop: bool = True) -> CameraSession:
    return CameraSession(DeviceInfo("camera", f"file:{path.name}", path.stem, str(path)), loop_file=loop)


def _assess(path: Path) -> quality.Quality:
    cam = _session(path)
    try:
        n, _ = cam.wait_frame()
        cam.wait_frame(after=n)  # two frames, so the frozen check has a previous one
        _n, frame, previous = cam.latest_pair()
        assert frame is not None
        return quality.assess(frame, previous, THRESHOLD)
    finally:
        cam.close()


@pytest.mark.parametrize("kind", KINDS)
def test_each_check_fires_exactly_when_it_should(videos: dict[str, Path], kind: str) -> None:
    q = _assess(videos[kind])
    fired = {
        "blurred": any(f.startswith("Blurred") for f in q.failures),
        "dark": any(f.startswith("Too dark") for f in q.failures),
        "overexposed": any(f.startswith("Overexposed") for f in q.failures),
        "frozen": q.frozen,
    }
    expected = {k: k == kind for k in fired}
    assert fired == expected, (kind, q)
    assert q.ok == (kind == "sharp")
    assert len(q.failures) == (kind != "sharp")  # one cause, the one to fix first
    if kind == "sharp":
        assert q.blur > 2 * THRESHOLD


def test_retake_sentences_name_the_failed_check(videos: dict[str, Path]) -> None:
    assert "Blurred" in " ".join(_assess(videos["blurred"]).failures)
    assert "frozen" in " ".join(_assess(videos["frozen"]).failures)


def test_blur_score_does_not_depend_on_resolution(videos: dict[str, Path]) -> None:
    import cv2

    cam = _session(videos["sharp"])
    try:
        _n, frame = cam.wait_frame()
    finally:
        cam.close()
    big = cv2.resize(frame, (1280, 720), interpolation=cv2.INTER_NEAREST)
    small, large = quality.blur_score(frame), quality.blur_score(big)
    assert abs(small - large) / small < 0.35


def test_calibration_sets_half_the_median_of_sharp_frames() -> None:
    assert quality.calibrated_threshold([400.0, 500.0, 600.0]) == 250.0


def test_unplugged_camera_is_reported_and_reopens_when_back(videos: dict[str, Path], tmp_path: Path) -> None:
    src = tmp_path / "cam.avi"
    shutil.copy(videos["sharp"], src)
    states: list[str] = []
    cam = CameraSession(DeviceInfo("camera", "file:cam", "Bench camera", str(src)), on_state=states.append)
    try:
        cam.wait_frame()
        assert cam.is_usable()
        src.rename(tmp_path / "away.avi")  # unplug: the source is gone when the thread reopens it
        deadline = __import__("time").monotonic() + 10
        while cam.state != "unplugged":
            assert __import__("time").monotonic() < deadline, states
            __import__("time").sleep(0.02)
        assert not cam.is_usable()
        (tmp_path / "away.avi").rename(src)  # plugged back in
        n, _ = cam.latest()
        cam.wait_frame(after=n, timeout=10)
        assert cam.is_usable()
        assert states[:3] == ["connected", "unplugged", "connected"]
    finally:
        cam.close()


def test_v4l2_capability_parsing_tells_capture_from_metadata_nodes() -> None:
    import struct

    def raw(caps: int, dcaps: int) -> bytes:
        return struct.pack("16s32s32sIII12x", b"uvcvideo", b"HD Pro Webcam C920", b"usb-0000:00:14.0-1",
                           0x60000, caps, dcaps)

    capture = v4l2.parse_capability(raw(0x84A00001, 0x04200001))
    meta = v4l2.parse_capability(raw(0x84A00001, 0x04A00000))
    assert capture.can_capture and capture.card == "HD Pro Webcam C920"
    assert not meta.can_capture


def test_v4l2_enumeration_ignores_non_v4l2_nodes(tmp_path: Path) -> None:
    (tmp_path / "video0").write_bytes(b"")  # a plain file: the ioctl fails, so it is not a camera
    assert v4l2.capture_nodes(tmp_path) == []

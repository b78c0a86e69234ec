"""Demo camera: a video file written once into the data dir and played in a loop.

The same kind of source the tests use: cv2.VideoCapture on a file, through the same
CameraSession as a real camera.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from station.config import Config
from station.devices.base import DeviceInfo

if TYPE_CHECKING:
    from station.devices.camera.capture import CameraSession

log = logging.getLogger(__name__)


def write_demo_video(path: Path, *, size: tuple[int, int] = (960, 540), frames: int = 240, fps: int = 15) -> Path:
    """A device on a bench mat, turning and moving through the 16 s loop, with sensor noise: every
    frame passes the quality checks (none is a frozen repeat of the one before), and pictures
    taken half a second apart show different views, as a technician turning a phone would."""
    import cv2

    w, h = size
    rng = np.random.default_rng(7)
    mat: np.ndarray = cv2.GaussianBlur(rng.integers(60, 110, (h, w, 3), dtype=np.uint8), (0, 0), 3)
    noise = [rng.integers(0, 9, (h, w, 3), dtype=np.uint8) for _ in range(5)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.avi")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    try:
        for i in range(frames):
            img = mat.copy()
            t, angle = 2 * np.pi * i / frames, 360.0 * i / frames
            cx, cy = int(w / 2 + w * 0.25 * np.sin(3 * t)), int(h / 2 + h * 0.15 * np.sin(5 * t))
            turn = cv2.getRotationMatrix2D((cx, cy), -angle, 1.0)

            def at(x: float, y: float, turn: np.ndarray = turn) -> tuple[int, int]:
                p = turn @ np.array([x, y, 1.0])
                return int(p[0]), int(p[1])

            cv2.fillPoly(img, [cv2.boxPoints(((cx, cy), (230, 420), angle)).astype(np.int32)], (30, 30, 30))
            hue = np.array([[[int(180 * i / frames), 160, 200]]], np.uint8)
            colour = [int(c) for c in cv2.cvtColor(hue, cv2.COLOR_HSV2BGR)[0, 0]]
            cv2.fillPoly(img, [cv2.boxPoints(((cx, cy), (200, 330), angle)).astype(np.int32)], colour)
            cv2.circle(img, at(cx - 70, cy - 185), 28, (235, 235, 235), -1)  # the camera bump: no 180° twin
            for k in range(7):  # fine detail, so the blur check has something to measure
                cv2.line(img, at(cx - 90, cy - 140 + 45 * k), at(cx + 90, cy - 130 + 45 * k), (240, 240, 240), 2)
            writer.write(cv2.add(img, noise[i % len(noise)]))
    finally:
        writer.release()
    tmp.replace(path)
    return path


class SimulatedCameraDriver:
    kind = "camera"

    def __init__(self, config: Config, data_dir: Path) -> None:
        self.config = config
        self.video = data_dir / "demo" / "camera.avi"
        self._writer: threading.Thread | None = None

    def enumerate(self) -> list[DeviceInfo]:
        return [DeviceInfo("camera", "sim:camera", "Demo camera", str(self.video), simulated=True)]

    def open(self, info: DeviceInfo) -> CameraSession:
        from station.devices.camera.capture import CameraSession
        from station.devices.camera.driver import settings_from

        if not self.video.exists() and (self._writer is None or not self._writer.is_alive()):
            # Written in the background when the preview first opens, not at start-up; the
            # capture thread finds the file once it is renamed into place.
            # Not a daemon: a daemon thread stopped inside OpenCV's writer at exit aborts the process.
            self._writer = threading.Thread(target=self._write, name="demo camera video")
            self._writer.start()
        return CameraSession(info, settings_from(self.config))

    def _write(self) -> None:
        try:
            write_demo_video(self.video)
        except Exception as exc:  # the data dir went away (tests) or is full: the camera shows as missing
            log.warning("demo camera video not written: %s", exc)


def sim_factory(config: Config, data_dir: Path) -> SimulatedCameraDriver:
    return SimulatedCameraDriver(config, data_dir)

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


def write_demo_video(path: Path, *, size: tuple[int, int] = (1280, 720), frames: int = 60, fps: int = 15) -> Path:
    """A textured device on a bench mat, drifting slightly so no two frames are identical."""
    import cv2

    w, h = size
    rng = np.random.default_rng(7)
    mat: np.ndarray = rng.integers(60, 110, (h, w, 3), dtype=np.uint8)
    mat = cv2.GaussianBlur(mat, (0, 0), 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.avi")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    try:
        for i in range(frames):
            img = mat.copy()
            dx = int(10 * np.sin(i / 8))
            x0, y0 = w // 2 - 170 + dx, h // 2 - 300
            cv2.rectangle(img, (x0, y0), (x0 + 340, y0 + 600), (30, 30, 30), -1)
            cv2.rectangle(img, (x0 + 20, y0 + 60), (x0 + 320, y0 + 520), (170, 120, 60), -1)
            for k in range(8):  # fine detail, so the blur check has something to measure
                cv2.line(img, (x0 + 30, y0 + 80 + 50 * k), (x0 + 310, y0 + 95 + 50 * k), (240, 240, 240), 2)
            cv2.putText(img, "DEMO", (x0 + 90, y0 + 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (220, 220, 220), 3)
            writer.write(img)
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
            self._writer = threading.Thread(target=self._write, daemon=True, name="demo camera video")
            self._writer.start()
        return CameraSession(info, settings_from(self.config))

    def _write(self) -> None:
        try:
            write_demo_video(self.video)
        except Exception as exc:  # the data dir went away (tests) or is full: the camera shows as missing
            log.warning("demo camera video not written: %s", exc)


def sim_factory(config: Config, data_dir: Path) -> SimulatedCameraDriver:
    return SimulatedCameraDriver(config, data_dir)

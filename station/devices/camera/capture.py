"""One camera: a capture thread keeps the latest frame; the UI takes it when it paints.

The capture thread never waits on the UI, and the UI never waits on the camera: a slow
or unplugged camera cannot stall the preview. A read failure marks the camera
unplugged, and the thread keeps trying to reopen it once a second.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from station.devices.base import DeviceInfo
from station.errors import DeviceError
from station.i18n import _

log = logging.getLogger(__name__)
# OpenCV's own warnings go to stderr, unasked; what matters is in our log and on the screen.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
_OPEN: weakref.WeakSet[CameraSession] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    # A capture thread still inside OpenCV while the interpreter finalizes aborts the process
    # ("terminate called without an active exception"): stop every session nobody closed.
    for session in list(_OPEN):
        session.close()


@dataclass(frozen=True)
class CaptureSettings:
    width: int = 1280
    height: int = 720
    fourcc: str = "MJPG"


class CameraSession:
    """Session for one camera (a /dev/video node, or a video file in tests and demo mode)."""

    def __init__(self, info: DeviceInfo, settings: CaptureSettings | None = None, *,
                 on_state: Callable[[str], None] | None = None, loop_file: bool = True) -> None:
        self.info = info
        self.settings = settings or CaptureSettings()
        self.on_state = on_state
        self.loop_file = loop_file
        self._lock = threading.Lock()
        self._frame: np.ndarray | None = None
        self._previous: np.ndarray | None = None
        self._preview: np.ndarray | None = None
        self.preview_size: tuple[int, int] | None = None  # (w, h) the UI shows; scaled here, off its thread
        self._frame_no = 0
        self._state = "opening"
        self._stop = threading.Event()
        # A video file, even one not written yet (the demo camera writes its file once the preview
        # opens): judged by the path, or the missing file would be opened as a V4L2 device each second.
        self._is_file = not info.path.startswith("/dev/")
        self._thread = threading.Thread(target=self._run, name=f"camera {info.label}", daemon=True)
        self._thread.start()
        _OPEN.add(self)

    # -- what callers use ------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    def is_usable(self) -> bool:
        return self._state == "connected" and not self._stop.is_set()

    def latest(self) -> tuple[int, np.ndarray | None]:
        """(frame number, frame). The same array object is never written again after it is handed out."""
        with self._lock:
            return self._frame_no, self._frame

    def latest_preview(self) -> tuple[int, np.ndarray | None]:
        """(frame number, the frame scaled to fit preview_size), or the full frame when no size is set."""
        with self._lock:
            return self._frame_no, self._preview if self._preview is not None else self._frame

    def latest_pair(self) -> tuple[int, np.ndarray | None, np.ndarray | None]:
        """(frame number, frame, the frame before it): the frozen-camera check compares the two."""
        with self._lock:
            return self._frame_no, self._frame, self._previous

    def wait_frame(self, after: int = 0, timeout: float = 5.0) -> tuple[int, np.ndarray]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            n, frame = self.latest()
            if frame is not None and n > after:
                return n, frame
            time.sleep(0.01)
        raise DeviceError(_("Camera {label} sent no picture in {timeout:.0f} s. Check that it is plugged in "
                            "and not used by another program.").format(label=self.info.label, timeout=timeout))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)

    # -- the capture thread ----------------------------------------------------------
    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            log.info("camera %s: %s", self.info.label, state)
            if self.on_state:
                self.on_state(state)

    def _open(self) -> cv2.VideoCapture | None:
        if self._is_file and not Path(self.info.path).exists():
            return None
        cap = cv2.VideoCapture(self.info.path, cv2.CAP_FFMPEG if self._is_file else cv2.CAP_V4L2)
        if not cap.isOpened():
            cap.release()
            return None
        if not self._is_file:
            s = self.settings
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*s.fourcc[:4].ljust(4)))
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, s.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, s.height)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return cap

    def _scaled(self, frame: np.ndarray) -> np.ndarray | None:
        size = self.preview_size
        if not size:
            return None
        h, w = frame.shape[:2]
        scale = min(size[0] / w, size[1] / h, 1.0)
        if scale >= 1.0:
            return frame
        return cv2.resize(frame, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)

    def _run(self) -> None:
        cap: cv2.VideoCapture | None = None
        while not self._stop.is_set():
            if cap is None:
                cap = self._open()
                if cap is None:
                    self._set_state("unplugged" if self._state != "opening" else "missing")
                    self._stop.wait(1.0)
                    continue
                fps = cap.get(cv2.CAP_PROP_FPS) if self._is_file else 0.0
                period = 1.0 / fps if fps and fps > 0 else 0.0
                self._set_state("connected")
            t0 = time.monotonic()
            ok, frame = cap.read()
            if not ok or frame is None:
                cap.release()
                cap = None
                if self._is_file and self.loop_file:
                    continue  # end of the file: reopen it, which also notices it was removed
                self._set_state("unplugged")
                continue
            preview = self._scaled(frame)
            with self._lock:
                self._previous = self._frame
                self._frame = frame
                self._preview = preview
                self._frame_no += 1
            if period:
                self._stop.wait(max(0.0, period - (time.monotonic() - t0)))
        if cap is not None:
            cap.release()
        self._set_state("closed")

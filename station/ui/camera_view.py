"""Live camera preview: paints the latest frame; never waits on the camera.

The capture thread (station.devices.camera) keeps the newest frame as a fresh numpy
array; the GUI thread wraps it in a QImage (Format_BGR888, no colour conversion) and
copies it once, so Qt never borrows memory the capture thread could reuse.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


def to_qimage(frame: np.ndarray) -> QImage:
    h, w = frame.shape[:2]
    if frame.ndim == 2:
        return QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_BGR888).copy()


class CameraState(QObject):
    """Carries the capture thread's state changes to the GUI thread (queued signal)."""

    changed = Signal(str)


class PreviewLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(480, 270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet("background: #202020; color: #ddd; font-size: 13.5pt;")
        self.session = None
        self._last = 0
        self.frames_shown = 0
        self.paint_seconds = 0.0
        self.timer = QTimer(self, interval=33)
        self.timer.timeout.connect(self._tick)

    def attach(self, session) -> None:
        self.session = session
        self._last = 0
        self.timer.start()

    def detach(self, message: str) -> None:
        self.timer.stop()
        self.session = None
        self.clear()
        self.setText(message)

    def _tick(self) -> None:
        if self.session is None:
            return
        self.session.preview_size = (self.width(), self.height())  # the capture thread scales for us
        n, frame = self.session.latest_preview()
        if frame is None or n == self._last:
            return
        t0 = time.perf_counter()
        self._last = n
        pixmap = QPixmap.fromImage(to_qimage(frame))
        if pixmap.width() > self.width() or pixmap.height() > self.height():
            pixmap = pixmap.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.FastTransformation)
        self.setPixmap(pixmap)
        self.frames_shown += 1
        self.paint_seconds += time.perf_counter() - t0

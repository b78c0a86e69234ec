"""The label preview: the renderer's 1-bit bitmap shown at a whole-number scale.

Every label dot becomes an exact k x k block of screen pixels (no smoothing, no
fractional scaling), so what the technician sees is, dot for dot, what the printer gets.
"""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

MAX_SCALE = 4


def to_qimage(img: Image.Image) -> QImage:
    """A mode-1 bitmap as an 8-bit grey QImage that owns its memory (safe across threads)."""
    grey = img.convert("L")
    return QImage(grey.tobytes(), grey.width, grey.height, grey.width, QImage.Format.Format_Grayscale8).copy()


def integer_scale(size: tuple[int, int], room: QSize) -> int:
    w, h = size
    return max(1, min(MAX_SCALE, room.width() // max(w, 1), room.height() // max(h, 1)))


class LabelPreview(QLabel):
    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = empty_text
        self.bitmap: Image.Image | None = None
        self.scale = 1
        self.setObjectName("label-preview")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(240, 140)
        self.setText(empty_text)

    def set_bitmap(self, img: Image.Image | None, message: str | None = None) -> None:
        self.bitmap = img
        self._show()
        if img is None:
            self.setText(message or self.empty_text)

    def _show(self) -> None:
        if self.bitmap is None:
            self.setPixmap(QPixmap())
            return
        room = self.contentsRect().size() - QSize(8, 8)
        self.scale = integer_scale(self.bitmap.size, room)
        qimg = to_qimage(self.bitmap)
        k = self.scale
        scaled = qimg.scaled(qimg.width() * k, qimg.height() * k, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.FastTransformation)
        self.setPixmap(QPixmap.fromImage(scaled))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.bitmap is not None:
            self._show()

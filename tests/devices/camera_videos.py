"""Small video files that stand in for a camera: sharp, blurred, dark, overexposed, frozen."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

SIZE = (640, 360)


def _scene(i: int, rng: np.random.Generator) -> np.ndarray:
    w, h = SIZE
    img = np.full((h, w, 3), 120, np.uint8)
    # a checkerboard device face with text: plenty of edges for the Laplacian
    tile = 16
    yy, xx = np.mgrid[0:h, 0:w]
    board = (((yy // tile) + (xx + i * 3) // tile) % 2).astype(np.uint8)
    img[board == 1] = (200, 200, 200)
    img[board == 0] = (60, 60, 60)
    cv2.putText(img, f"IMEI 35209900176148{i % 10}", (40, 180), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 255), 2)
    noise = rng.integers(-6, 7, img.shape, dtype=np.int16)
    return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def write_video(path: Path, kind: str, frames: int = 12, fps: int = 30) -> Path:
    rng = np.random.default_rng(1)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, SIZE)
    assert writer.isOpened(), "cv2.VideoWriter could not open an MJPG .avi"
    first = _scene(0, rng)
    for i in range(frames):
        img = _scene(i, rng)
        if kind == "blurred":
            img = cv2.GaussianBlur(img, (0, 0), 6)
        elif kind == "dark":
            img = (img * 0.12).astype(np.uint8)
        elif kind == "overexposed":
            img = np.clip(img.astype(np.int16) * 3 + 120, 0, 255).astype(np.uint8)
        elif kind == "frozen":
            img = first
        elif kind != "sharp":
            raise ValueError(kind)
        writer.write(img)
    writer.release()
    return path

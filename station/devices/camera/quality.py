"""Photo quality checks: blur, exposure, frozen camera.

Blur is the variance of the Laplacian over a fixed-size centre region, so the figure
does not change with the capture resolution and the threshold can be calibrated per camera.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np

CENTRE = 480  # side of the square, in pixels of a frame scaled to 960 px wide
DARK_MEAN, BRIGHT_MEAN = 50.0, 205.0
CLIP_SHARE = 0.25  # share of the region at the extremes that makes a photo badly exposed
FROZEN_DIFF = 0.5  # mean absolute difference (0-255) below which two frames are "the same"


@dataclass
class Quality:
    blur: float  # variance of the Laplacian; higher is sharper
    brightness: float  # mean luma 0-255
    dark_share: float
    bright_share: float
    frozen: bool
    failures: list[str] = field(default_factory=list)  # sentences for the retake prompt

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _normalised_gray(frame: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    h, w = gray.shape
    if w != 960:  # one scale for every camera, so one threshold means the same everywhere
        gray = cv2.resize(gray, (960, max(1, round(h * 960 / w))), interpolation=cv2.INTER_AREA)
    return gray


def centre(gray: np.ndarray, side: int = CENTRE) -> np.ndarray:
    h, w = gray.shape
    s = min(side, h, w)
    y, x = (h - s) // 2, (w - s) // 2
    return gray[y:y + s, x:x + s]


def blur_score(frame: np.ndarray) -> float:
    return float(cv2.Laplacian(centre(_normalised_gray(frame)), cv2.CV_64F).var())


def frames_identical(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    return float(cv2.absdiff(a, b).mean()) < FROZEN_DIFF


def assess(frame: np.ndarray, previous: np.ndarray | None, blur_threshold: float) -> Quality:
    gray = _normalised_gray(frame)
    region = centre(gray)
    blur = float(cv2.Laplacian(region, cv2.CV_64F).var())
    mean = float(gray.mean())
    dark = float((gray < 16).mean())
    bright = float((gray > 240).mean())
    failures = []
    # One cause at a time, most basic first: a badly lit frame has too little contrast
    # for the blur figure to mean anything, and a clipped frame looks "frozen".
    frozen = False
    if mean < DARK_MEAN or dark > CLIP_SHARE:
        failures.append(f"Too dark (brightness {mean:.0f} of 255). "
                        "Turn on the bench light or move closer, then retake.")
    elif mean > BRIGHT_MEAN or bright > CLIP_SHARE:
        failures.append(f"Overexposed (brightness {mean:.0f} of 255, {bright:.0%} blown out). "
                        "Tilt the device away from the light, then retake.")
    elif previous is not None and frames_identical(frame, previous):
        frozen = True
        failures.append("The camera sent the same picture twice: it may be frozen. Check its cable, then retake.")
    elif blur < blur_threshold:
        failures.append(f"Blurred (sharpness {blur:.0f}, needs {blur_threshold:.0f}). Hold still and refocus, "
                        "then retake.")
    return Quality(blur, mean, dark, bright, frozen, failures)


def _low_frequencies(frame: np.ndarray) -> tuple[np.ndarray, float]:
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()
    return low, float(np.median(low[1:]))  # the DC term is the mean brightness: left out of the median


def _hex(bits: np.ndarray) -> str:
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def phash(frame: np.ndarray) -> str:
    """Perceptual hash (DCT of a 32x32 grey picture, 8x8 lowest frequencies against their median), as
    16 hex digits: two pictures of the same view differ in a few bits, different views in dozens."""
    low, median = _low_frequencies(frame)
    return _hex(low > median)


STEADY_SPREAD = 0.04  # a coefficient this close to the median (in standard deviations) flips with noise


def phash_steady(frame: np.ndarray) -> str:
    """Which of phash's bits sensor noise cannot flip, as 16 hex digits. A picture with little
    coarse structure has coefficients a hair from the median; their bits follow the noise, and
    one view seen twice differed in 9 of 64 bits. Compared on steady bits only, it differs in 3."""
    low, median = _low_frequencies(frame)
    steady = np.abs(low - median) > STEADY_SPREAD * float(np.std(low[1:]))
    steady[0] = True
    return _hex(steady)


def calibrated_threshold(sharp_scores: list[float]) -> float:
    """From frames the technician says are sharp: accept down to half their median."""
    if not sharp_scores:
        raise ValueError("no frames to calibrate from")
    return float(np.median(sharp_scores)) * 0.5

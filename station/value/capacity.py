"""A medium's size as the box sells it: the SKU's capacity (make + model + capacity).

What a device reports is never the marketed figure. A phone tells the size of its data partition
(Android's `df /data`) or of its flash (an iPhone's TotalDiskCapacity), always somewhat below what
the box says, and phones are sold in powers of two: 64 GB, 128 GB, 256 GB, 1 TB. A drive reports
its addressable bytes, always a little above its decimal size on the label: 500 GB, 960 GB, 1 TB.
"""

from __future__ import annotations

import re

GB = 1_000_000_000
_SMALLEST_PHONE_GB = 8
# Decimal sizes drives are sold in (GB). A drive reports at least its label's size and at most a few
# per cent more; anything else is shown as its plain decimal size.
DRIVE_GB = (16, 20, 32, 40, 60, 64, 80, 100, 120, 128, 160, 180, 200, 240, 250, 256, 300, 320, 400, 450, 480,
            500, 512, 600, 640, 750, 800, 900, 960, 1000, 1200, 1600, 1800, 1920, 2000, 3000, 3200, 3840, 4000,
            5000, 6000, 6400, 7680, 8000, 10000, 12000, 14000, 15360, 16000, 18000, 20000, 22000, 24000)
_DRIVE_SLACK = 1.06
_TYPED = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([gt])(?:i?b)?\s*$", re.IGNORECASE)


def text(gb: float) -> str:
    """'128 GB', '1 TB', '1.92 TB': how a label prints a size."""
    if gb >= 1000:
        return f"{gb / 1000:g} TB"
    return f"{gb:g} GB"


def phone(size_bytes: int | None) -> str | None:
    """The marketed capacity of a phone or tablet whose storage reports `size_bytes` (partition or flash)."""
    if not size_bytes or size_bytes <= 0:
        return None
    gb, marketed = size_bytes / GB, _SMALLEST_PHONE_GB
    while marketed < gb * 0.98:  # a device may round its own figure up a little: 128.4 GB is a 128 GB phone
        marketed *= 2
    return text(marketed if marketed < 1024 else marketed // 1024 * 1000)


def drive(size_bytes: int | None) -> str | None:
    """The label size of a drive with `size_bytes` addressable bytes: 500107862016 is '500 GB'."""
    if not size_bytes or size_bytes <= 0:
        return None
    gb = size_bytes / GB
    fits = [m for m in DRIVE_GB if m <= gb * 1.001 and gb <= m * _DRIVE_SLACK]
    if fits:
        return text(fits[-1])
    return text(round(gb, 2 if gb >= 1000 else 0) if gb >= 1 else round(gb, 2))


def typed(raw: str | None) -> str | None:
    """A capacity a technician typed ('128', '128gb', '1 tb', '1.92TB'), spelled as labels print it.
    Text that is not a size is kept as typed (trimmed): the technician may know better."""
    t = (raw or "").strip()
    if not t:
        return None
    m = _TYPED.match(t) or re.match(r"^\s*(\d+(?:[.,]\d+)?)\s*()$", t)
    if not m:
        return t
    n = float(m.group(1).replace(",", "."))
    return text(n * 1000 if m.group(2).lower() == "t" else n)

"""Printer byte streams back to bitmaps: what the simulated printer "prints" and what
tests compare, pixel for pixel, with the preview.

EscposStream walks ESC/POS command by command, so raster data is never mistaken for a
real-time status request, and answers DLE EOT the way a printer does.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PIL import Image

GS_V0 = b"\x1dv0"
DLE_EOT = b"\x10\x04"


def raster_image(width_bytes: int, height: int, data: bytes) -> Image.Image:
    """GS v 0 / ^GFA bits (1 = printed dot) as a mode-1 image (0 = black)."""
    img = Image.frombytes("1", (width_bytes * 8, height), bytes(data))
    return img.convert("L").point(lambda v: 0 if v else 255).convert("1", dither=Image.Dither.NONE)


def stack(images: list[Image.Image]) -> Image.Image:
    width = max(i.width for i in images)
    out = Image.new("1", (width, sum(i.height for i in images)), 255)
    y = 0
    for im in images:
        out.paste(im, (0, y))
        y += im.height
    return out


class EscposStream:
    """Feed bytes as they arrive; collects raster fragments and answers DLE EOT n."""

    def __init__(self, answer: Callable[[int], bytes | None] | None = None) -> None:
        self.buf = bytearray()
        self.pos = 0
        self.fragments: list[Image.Image] = []
        self.answer = answer

    def feed(self, data: bytes) -> bytes:
        """Consume what can be parsed; return the bytes a printer would send back."""
        self.buf += data
        reply = bytearray()
        buf = self.buf
        while self.pos < len(buf):
            p = self.pos
            if buf.startswith(GS_V0, p):
                if len(buf) < p + 8:
                    break
                wb = buf[p + 4] | buf[p + 5] << 8
                h = buf[p + 6] | buf[p + 7] << 8
                end = p + 8 + wb * h
                if len(buf) < end:
                    break
                self.fragments.append(raster_image(wb, h, bytes(buf[p + 8:end])))
                self.pos = end
            elif buf.startswith(DLE_EOT, p):
                if len(buf) < p + 3:
                    break
                if self.answer is not None:
                    reply += self.answer(buf[p + 2]) or b""
                self.pos = p + 3
            else:
                self.pos = p + 1
        return bytes(reply)

    def image(self) -> Image.Image | None:
        """The fragments of the job, top to bottom, as one label."""
        return stack(self.fragments) if self.fragments else None


def escpos_image(data: bytes) -> Image.Image | None:
    stream = EscposStream()
    stream.feed(data)
    return stream.image()


_GFA = re.compile(rb"\^GFA,(\d+),(\d+),(\d+),([0-9A-Za-z,!:]*)")


def _expand(data: str, row_bytes: int, total: int) -> bytes:
    """Undo Zebra's ASCII compression of ^GFA data."""
    row_len = row_bytes * 2
    rows: list[str] = []
    row: list[str] = []
    count = 0
    for ch in data:
        if "G" <= ch <= "Y":
            count += ord(ch) - ord("F")
            continue
        if "g" <= ch <= "z":
            count += (ord(ch) - ord("f")) * 20
            continue
        if ch in ",!":
            row.append(("0" if ch == "," else "F") * (row_len - len(row)))
        elif ch == ":":
            row = list(rows[-1]) if rows else ["0"] * row_len
        else:
            row.append(ch * (count or 1))
        count = 0
        joined = "".join(row)
        if len(joined) >= row_len:
            rows.append(joined[:row_len])
            row = []
    raw = bytes.fromhex("".join(rows))
    return raw[:total].ljust(total, b"\x00")


def zpl_images(data: bytes) -> list[Image.Image]:
    """Each ^GFA graphic field in a ZPL stream as a bitmap."""
    out = []
    for m in _GFA.finditer(data):
        total, row_bytes = int(m.group(2)), int(m.group(3))
        bits = _expand(m.group(4).decode("ascii"), row_bytes, total)
        out.append(raster_image(row_bytes, total // row_bytes, bits))
    return out

"""Shared by the label, printer and label-panel tests: a real unit, decoders, comparisons."""

from __future__ import annotations

import numpy as np
from PIL import Image

from station import units
from station.context import StationContext

SAMPLE = {
    "uid": "U1A2B3C4D", "grade": "B+", "cosmetic": "B", "functional": "F1", "ident": "356938035643809",
    "imei": "356938035643809", "serial": "C02XK1JHJG5J", "model": "Apple iPhone 12 Pro", "wipe": "WIPED",
    "certificate": "CERT-2026-000123", "route": "resale", "lot": "LOT-0042", "date": "2026-11-23",
    "operator": "Ana Silva", "station": "bench-3",
}


def make_unit(ctx: StationContext, imei: str = "356938035643809", **fields: object) -> str:
    values = {"make": "Apple", "model": "iPhone 12 Pro", "sale_grade": "A", "wipe_status": "sanitized",
              "certificate_id": "CERT-2026-000777", "route": "resale", **fields}
    with ctx.store.session() as s:
        return units.create(s, ctx.actor, {"imei": imei}, **values).uid


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.convert("1").tobytes() == b.convert("1").tobytes()


def decode_all(img: Image.Image) -> dict[str, str]:
    """Every symbol a real decoder (zxing-cpp) finds: {'Code128': text, 'QRCode': ..., 'DataMatrix': ...}."""
    import zxingcpp

    return {r.format.name: r.text for r in zxingcpp.read_barcodes(img.convert("L"))}


def decode_qr_cv2(img: Image.Image) -> str:
    import cv2

    arr = np.array(img.convert("L"))
    text, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(arr)
    return str(text)

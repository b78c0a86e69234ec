"""Barcode symbols as module grids, drawn later as exact dots (never resampled).

Code128 comes from python-barcode (its bar/space pattern), QR from segno and
DataMatrix from libdmtx through pylibdmtx. Each returns modules only: the renderer
chooses a whole number of printer dots per module, so bars have exact widths.
"""

from __future__ import annotations

from functools import lru_cache

from station.errors import ConfigError
from station.i18n import _

Matrix = tuple[tuple[bool, ...], ...]  # rows of modules, True = dark

CODE128_QUIET = 10  # modules of white each side (ISO/IEC 15417)
QR_QUIET = 4
DATAMATRIX_QUIET = 1


@lru_cache(maxsize=256)
def code128(data: str) -> str:
    """The bar pattern as '1' (bar) / '0' (space) modules, start to stop, no quiet zone."""
    from barcode.codex import Code128
    from barcode.errors import BarcodeError

    if not data:
        raise ConfigError(_("A Code128 barcode has no data to encode."))
    try:
        return "".join(Code128(data).build())
    except (BarcodeError, ValueError) as exc:
        raise ConfigError(_("{data!r} cannot be encoded as Code128 ({exc}).").format(data=data, exc=exc)) from exc


@lru_cache(maxsize=256)
def qr(data: str, error: str = "m") -> Matrix:
    """QR modules without the quiet zone (the renderer keeps it white)."""
    import segno

    if not data:
        raise ConfigError(_("A QR code has no data to encode."))
    symbol = segno.make_qr(data, error=error, boost_error=False)
    return tuple(tuple(bool(v) for v in row) for row in symbol.matrix)


@lru_cache(maxsize=256)
def datamatrix(data: str) -> Matrix:
    """ECC 200 DataMatrix modules without the quiet zone."""
    try:
        from pylibdmtx import pylibdmtx
    except ImportError as exc:  # libdmtx is a system library (installer RUNTIME list)
        raise ConfigError(
            _("DataMatrix needs the libdmtx library: run installer/system-packages.sh, or use a layout "
              "without it.")
        ) from exc
    if not data:
        raise ConfigError(_("A DataMatrix code has no data to encode."))
    enc = pylibdmtx.encode(data.encode("utf-8"))
    # libdmtx draws 5 pixels per module with a 2-module margin, RGB, dark = 0.
    module, margin = 5, 10
    cols = (enc.width - 2 * margin) // module
    rows = (enc.height - 2 * margin) // module
    stride = enc.width * 3
    out = []
    for r in range(rows):
        y = margin + r * module + module // 2
        out.append(tuple(
            enc.pixels[y * stride + (margin + c * module + module // 2) * 3] < 128 for c in range(cols)
        ))
    return tuple(out)

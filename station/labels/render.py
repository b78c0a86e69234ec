"""The one renderer: a layout and field values to a 1-bit bitmap at the printer's DPI.

No anti-aliasing anywhere: text is rasterised by FreeType in monochrome mode, and
barcodes are drawn module by module with a whole number of dots per module, so every
bar is exactly as wide as the symbology says. The preview shows this bitmap at an
integer scale and the printer drivers send these very bits.
"""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from station import atomic
from station.errors import ConfigError
from station.i18n import _
from station.labels import fields, symbols
from station.labels.layout import Element, Layout

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
WHITE, BLACK = 255, 0  # mode-1 pixel values; 1 would read as white but not invert to black
MIN_TEXT_DOTS = 7  # below this a monochrome glyph is unreadable


def dots(mm: float, dpi: int) -> int:
    return round(mm * dpi / 25.4)


@lru_cache(maxsize=128)
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    for folder in FONT_DIRS:
        path = folder / f"{name}.ttf"
        if path.exists():
            return ImageFont.truetype(str(path), size)
    raise ConfigError(_("Font {name} is not installed. Install the 'fonts-dejavu-core' package "
                        "(installer/system-packages.sh) and try again.").format(name=name))


def bitmap_hash(img: Image.Image) -> str:
    """Hash of the exact bits (size + packed rows), independent of any file format."""
    return hashlib.sha256(f"{img.width}x{img.height}\n".encode() + img.tobytes()).hexdigest()


def render(layout: Layout, values: dict[str, str], dpi: int | None = None) -> Image.Image:
    dpi = dpi or layout.dpi
    img = Image.new("1", layout.dots(dpi), WHITE)
    draw = ImageDraw.Draw(img)
    draw.fontmode = "1"  # monochrome glyphs: no grey edges to threshold later
    for el in layout.elements:
        box = (dots(el.x, dpi), dots(el.y, dpi), dots(el.w, dpi), dots(el.h, dpi))
        where = f"{layout.path}:{el.line}"
        if el.type == "text":
            _text(draw, box, el, fields.line(el.text, values), dpi)
        elif el.type == "code128":
            _code128(draw, box, el, el.text.format(**values), dpi, where)
        elif el.type in ("qr", "datamatrix"):
            data = el.text.format(**values)
            matrix = symbols.qr(data, el.error) if el.type == "qr" else symbols.datamatrix(data)
            quiet = symbols.QR_QUIET if el.type == "qr" else symbols.DATAMATRIX_QUIET
            _matrix(draw, box, matrix, quiet, where, el.type, dpi)
        elif el.type == "box":
            _box(draw, box, el, dpi)
    return img


def fit(text: str, el: Element, w: int, h: int, dpi: int) -> tuple[ImageFont.FreeTypeFont, str]:
    """Largest size up to el.size that fits the box; past the minimum, cut with an ellipsis."""
    size = max(dots(el.size, dpi), MIN_TEXT_DOTS)
    while True:
        f = font(el.font, size)
        _left, _top, right, bottom = f.getbbox(text, anchor="la")
        if (right <= w and bottom <= h) or size <= MIN_TEXT_DOTS:
            break
        size -= 1
    while text and f.getbbox(text, anchor="la")[2] > w:
        text = text[:-2] + "…" if len(text) > 2 else ""
    return f, text


def _text(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], el: Element, text: str, dpi: int) -> None:
    x, y, w, h = box
    fg = BLACK
    if el.invert:
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=BLACK)
        fg = WHITE
    f, text = fit(text, el, w, h, dpi)
    if not text:
        return
    _left, top, _right, bottom = f.getbbox(text, anchor="la")
    ty = y + max(0, (h - bottom - top) // 2) if el.invert or el.align == "center" else y
    if el.align == "left":
        draw.text((x, ty), text, font=f, fill=fg, anchor="la")
    elif el.align == "center":
        draw.text((x + w // 2, ty), text, font=f, fill=fg, anchor="ma")
    else:
        draw.text((x + w, ty), text, font=f, fill=fg, anchor="ra")


def _code128(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], el: Element, data: str, dpi: int,
             where: str) -> None:
    x, y, w, h = box
    bars = symbols.code128(data)
    total = len(bars) + 2 * symbols.CODE128_QUIET
    module = w // total
    if module < 1:
        raise ConfigError(_("{where}: Code128 of {data!r} needs {total} dots but the box is {w} dots wide "
                            "at {dpi} dpi. Widen the element or use a 2D code.").format(
                where=where, data=data, total=total, w=w, dpi=dpi))
    bar_h = h
    if el.human_readable:
        text_h = min(max(round(h * 0.2), dots(2.2, dpi), MIN_TEXT_DOTS), dots(4.5, dpi))
        bar_h = h - text_h - 1
        f = font("DejaVuSansMono", text_h)
        draw.text((x + w // 2, y + bar_h + 1), data, font=f, fill=BLACK, anchor="ma")
    left = x + (w - len(bars) * module) // 2
    run_start = None
    for i, bit in enumerate(bars + "0"):
        if bit == "1" and run_start is None:
            run_start = i
        elif bit == "0" and run_start is not None:
            draw.rectangle((left + run_start * module, y, left + i * module - 1, y + bar_h - 1), fill=BLACK)
            run_start = None


def _matrix(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], matrix: symbols.Matrix, quiet: int,
            where: str, kind: str, dpi: int) -> None:
    x, y, w, h = box
    rows, cols = len(matrix), len(matrix[0])
    module = min(w // (cols + 2 * quiet), h // (rows + 2 * quiet))
    if module < 1:
        raise ConfigError(_("{where}: the {kind} code needs {needed} dots but the box is {box} dots at {dpi} "
                            "dpi. Make the element larger.").format(
                where=where, kind=kind, needed=cols + 2 * quiet, box=min(w, h), dpi=dpi))
    left = x + (w - cols * module) // 2
    top = y + (h - rows * module) // 2
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                px, py = left + c * module, top + r * module
                draw.rectangle((px, py, px + module - 1, py + module - 1), fill=BLACK)


def _box(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], el: Element, dpi: int) -> None:
    x, y, w, h = box
    if el.fill:
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=BLACK)
    else:
        draw.rectangle((x, y, x + w - 1, y + h - 1), outline=BLACK, width=max(1, dots(el.thickness, dpi)))


def to_png(img: Image.Image, path: Path, dpi: int) -> None:
    """The exact bitmap as a 1-bit PNG with its resolution recorded, written whole or not at all."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(dpi, dpi))
    try:
        atomic.write_atomic(path, buf.getvalue())
    except OSError as exc:
        raise atomic.write_error(path, exc, _("the label image")) from exc

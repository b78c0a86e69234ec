"""Native ZPL for layouts that ask for it (`native_zpl = true`): the printer draws the text
with its own fonts and the barcodes with its own encoders, at the same positions in dots.

Use it for printers that must stay editable at the printer, or when a site wants the
printer's barcode engine. The preview is then a close picture of the label, not the
printed dots: only bitmap jobs (the default) are identical to the preview by design.
"""

from __future__ import annotations

from station.labels import fields, symbols
from station.labels.layout import Element, Layout
from station.labels.render import dots, fit


def _field_data(text: str) -> str:
    """^FH-escaped field data: ^ ~ and _ would otherwise end or alter the field."""
    return "".join(f"_{ord(ch):02X}" if ch in "^~_" else ch for ch in text)


def _text(el: Element, box: tuple[int, int, int, int], text: str, dpi: int) -> str:
    x, y, w, h = box
    # Shrunk (and cut) as the bitmap is: DejaVu Sans is wider than the printer's font 0, so a line that fits
    # the preview fits the printed field too, whatever the language ("WYMAZYWANIE PRZERWANE" on 58 mm).
    font, text = fit(text, el, w, h, dpi)
    size = min(font.size, h)
    just = {"left": "L", "center": "C", "right": "R"}[el.align]
    out = ""
    if el.invert:
        out += f"^FO{x},{y}^GB{w},{h},{min(w, h)},B,0^FS"
    ty = y + max(0, (h - size) // 2) if el.invert or el.align == "center" else y
    reverse = "^FR" if el.invert else ""
    return out + f"^FO{x},{ty}{reverse}^A0N,{size},{size}^FB{w},1,0,{just},0^FH^FD{_field_data(text)}^FS"


def _code128(el: Element, box: tuple[int, int, int, int], data: str, dpi: int) -> str:
    x, y, w, h = box
    modules = len(symbols.code128(data))
    module = max(1, w // (modules + 2 * symbols.CODE128_QUIET))
    left = x + (w - modules * module) // 2
    text_h = min(max(round(h * 0.2), dots(2.2, dpi)), dots(4.5, dpi)) if el.human_readable else 0
    bar_h = h - text_h - (1 if text_h else 0)
    line = "Y" if el.human_readable else "N"
    return f"^FO{left},{y}^BY{module},3,{bar_h}^BCN,{bar_h},{line},N,N^FH^FD{_field_data(data)}^FS"


def _matrix(el: Element, box: tuple[int, int, int, int], data: str) -> str:
    x, y, w, h = box
    if el.type == "qr":
        matrix = symbols.qr(data, el.error)
        module = max(1, min(w, h) // (len(matrix) + 2 * symbols.QR_QUIET))
        level = el.error.upper()
        return f"^FO{x},{y}^BQN,2,{min(module, 10)}^FH^FD{level}A,{_field_data(data)}^FS"
    matrix = symbols.datamatrix(data)
    module = max(1, min(w, h) // (len(matrix) + 2 * symbols.DATAMATRIX_QUIET))
    left = x + (w - len(matrix[0]) * module) // 2
    top = y + (h - len(matrix) * module) // 2
    return f"^FO{left},{top}^BXN,{module},200^FH^FD{_field_data(data)}^FS"


def native_job(layout: Layout, values: dict[str, str], dpi: int) -> bytes:
    width, height = layout.dots(dpi)
    parts = [f"^XA^CI28^PW{width}^LL{height}^LH0,0"]
    for el in layout.elements:
        box = (dots(el.x, dpi), dots(el.y, dpi), dots(el.w, dpi), dots(el.h, dpi))
        if el.type == "text":
            parts.append(_text(el, box, fields.line(el.text, values), dpi))
        elif el.type == "code128":
            parts.append(_code128(el, box, el.text.format(**values), dpi))
        elif el.type in ("qr", "datamatrix"):
            parts.append(_matrix(el, box, el.text.format(**values)))
        else:
            t = min(box[2], box[3]) if el.fill else max(1, dots(el.thickness, dpi))
            parts.append(f"^FO{box[0]},{box[1]}^GB{box[2]},{box[3]},{t},B,0^FS")
    parts.append("^PQ1^XZ\r\n")
    return "".join(parts).encode("utf-8")

"""A long table drawn straight onto the canvas: the units section of the shift reports.

reportlab's Table measures, splits and styles every cell through generic machinery, and
a busy shift (20,000 units) took minutes. Here each cell is plain text in one font: a
cell's lines are found once (wrapped to its column; a line break in the text, as between
operators, starts a new line), a row is as tall as its tallest cell, and a page takes the
rows that fit, found by bisecting the running heights. Drawing is then one string per line.
Text is never parsed as markup, so any name or note prints as typed.
"""

from __future__ import annotations

import bisect
from itertools import accumulate
from typing import Any

from reportlab.lib import colors
from reportlab.lib.rl_accel import escapePDF
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import getFont, getRegisteredFontNames, stringWidth, unicode2T1
from reportlab.platypus import Flowable
from typing_extensions import override

FONT, BOLD, SIZE, LEADING, PAD = "Helvetica", "Helvetica-Bold", 7.5, 9.0, 2.0
HEADER_BG = colors.HexColor("#1f3a5f")
_WIDTHS = {name: getFont(name).widths for name in (FONT, BOLD)}  # per character, 1/1000 of the size
# Helvetica's encoding has no Polish letters (ą ę ł ś ż ń ć ź) and few beyond Western Europe: a line that holds
# one is drawn whole in DejaVu Sans, when the report registered it (shift_pdf does), not with a box for each.
_UNICODE = {FONT: "DejaVuSans", BOLD: "DejaVuSans-Bold"}


def face(line: str, font: str) -> str:
    """The font a line is drawn in: `font`, or its DejaVu counterpart when `font` cannot encode the line."""
    if line.isascii():
        return font
    try:
        line.encode("cp1252")
        return font
    except UnicodeEncodeError:
        wide = _UNICODE.get(font, font)
        return wide if wide in getRegisteredFontNames() else font


def width(line: str, font: str = FONT) -> float:
    """stringWidth, with plain ASCII summed from the font's table (most cells; reportlab's own
    measuring, without its optional C accelerator, was a third of the time)."""
    if line.isascii():
        return sum(map(_WIDTHS[font].__getitem__, line.encode("ascii"))) * SIZE / 1000
    return float(stringWidth(line, face(line, font), SIZE))


def _lines(text: str, room: float, font: str = FONT) -> list[str]:
    out: list[str] = []
    for line in text.split("\n"):
        if width(line, font) <= room:
            out.append(line)
        else:  # rarely: only a cell wider than its column is wrapped (and a word too long is broken)
            out.extend(simpleSplit(line, face(line, font), SIZE, room) or [""])
    return out


def _show(line: str, font: str, canv: Any) -> str:
    """The PDF operators that show one line: ASCII directly, anything else through the font's
    encoding and reportlab's substitution fonts, as its text objects do."""
    if line.isascii() and line.isprintable():
        return "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj"
    wide = face(line, font)
    if wide != font:  # a TrueType font: its glyphs are addressed through the subsets reportlab embeds
        ttf = getFont(wide)
        ops = [f"{ttf.getSubsetInternalName(subset, canv._doc)} {SIZE} Tf ({escapePDF(chunk)}) Tj"
               for subset, chunk in ttf.splitString(line, canv._doc)]
        return " ".join([*ops, f"{canv._doc.getInternalFontName(font)} {SIZE} Tf"])
    base = getFont(font)
    ops, current = [], base
    for f, chunk in unicode2T1(line, [base, *base.substitutionFonts]):
        if f is not current:
            ops.append(f"{canv._doc.getInternalFontName(f.fontName)} {SIZE} Tf")
            current = f
        ops.append(f"({escapePDF(chunk)}) Tj")
    if current is not base:
        ops.append(f"{canv._doc.getInternalFontName(font)} {SIZE} Tf")
    return " ".join(ops)


class _Rows:
    """The table's cells as wrapped lines, with each row's height and the running total."""

    def __init__(self, head: list[str], body: list[list[str]], widths: list[float], bold_last: bool) -> None:
        inner = [w - 2 * PAD for w in widths]
        self.widths = widths
        # Cells repeat a lot (grades, routes, "–", names): each distinct one is measured once.
        memo: dict[tuple[str, float, str], list[str]] = {}

        def lines(text: str, room: float, font: str = FONT) -> list[str]:
            key = (text, room, font)
            found = memo.get(key)
            if found is None:
                found = memo[key] = _lines(text, room, font)
            return found

        self.head = [lines(h, w, BOLD) for h, w in zip(head, inner, strict=True)]
        self.body = [[lines(c, w) for c, w in zip(row, inner, strict=True)] for row in body]
        if bold_last and body:
            self.body[-1] = [_lines(c, w, BOLD) for c, w in zip(body[-1], inner, strict=True)]
        self.shown: dict[tuple[str, str], str] = {}  # (line, font) -> its PDF operators
        self.head_height = max(len(c) for c in self.head) * LEADING + 2 * PAD
        self.heights = [max(len(c) for c in row) * LEADING + 2 * PAD for row in self.body]
        self.running = [0.0, *accumulate(self.heights)]
        self.bold_last = bold_last


class UnitTable(Flowable):
    """Rows [start, stop) of a table; the header repeats on every page."""

    def __init__(self, head: list[str], body: list[list[str]], widths: list[float], *, bold_last: bool = False,
                 _rows: _Rows | None = None, _span: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.rows = _rows or _Rows(head, body, widths, bold_last)
        self.start, self.stop = _span or (0, len(self.rows.body))

    def _height(self, stop: int) -> float:
        return self.rows.head_height + self.rows.running[stop] - self.rows.running[self.start]

    @override
    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = sum(self.rows.widths), self._height(self.stop)
        return self.width, self.height

    @override
    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        room = availHeight - self.rows.head_height + self.rows.running[self.start]
        fit = bisect.bisect_right(self.rows.running, room, lo=self.start, hi=self.stop + 1) - 1
        if fit <= self.start:
            return []  # not even one row here: the next page
        return [self._part(self.start, fit), self._part(fit, self.stop)]

    def _part(self, start: int, stop: int) -> UnitTable:
        return UnitTable([], [], [], _rows=self.rows, _span=(start, stop))

    def draw(self) -> None:
        # Written as PDF operators, one block per page: reportlab's text objects and line calls
        # format every coordinate through generic code, which was most of the drawing time.
        c, r = self.canv, self.rows
        top = self.height
        for font in (BOLD, FONT):
            c.setFont(font, SIZE, LEADING)  # puts the fonts in the page's resources
        c.setFillColor(HEADER_BG)
        c.rect(0, top - r.head_height, self.width, r.head_height, stroke=0, fill=1)
        ops = ["1 g"]  # white header text
        self._cells(ops, r.head, top, BOLD)
        ops.append("0 g")
        y = top - r.head_height
        for i in range(self.start, self.stop):
            self._cells(ops, r.body[i], y, BOLD if r.bold_last and i == len(r.body) - 1 else FONT)
            y -= r.heights[i]
        ops.append(self._grid(top))
        c.addLiteral("\n".join(ops))

    def _cells(self, ops: list[str], cells: list[list[str]], top: float, font: str) -> None:
        c, shown = self.canv, self.rows.shown
        ops.append(f"BT {c._doc.getInternalFontName(font)} {SIZE} Tf {LEADING} TL")
        x = 0.0
        for lines, w in zip(cells, self.rows.widths, strict=True):
            if lines != [""]:
                ops.append(f"1 0 0 1 {x + PAD:.2f} {top - PAD - SIZE:.2f} Tm " + " T* ".join(
                    shown[line, font] if (line, font) in shown else shown.setdefault((line, font), _show(line, font, c))
                    for line in lines))
            x += w
        ops.append("ET")

    def _grid(self, top: float) -> str:
        r = self.rows
        bottom = top - self.height
        segs = []
        x = 0.0
        for w in [0.0, *r.widths]:
            x += w
            segs.append(f"{x:.2f} {top:.2f} m {x:.2f} {bottom:.2f} l")
        y = top - r.head_height
        ys = [top, y]
        for i in range(self.start, self.stop):
            y -= r.heights[i]
            ys.append(y)
        segs += [f"0 {y:.2f} m {self.width:.2f} {y:.2f} l" for y in ys]
        return "q 0.5 0.5 0.5 RG 0.25 w " + " ".join(segs) + " S Q"


def cell(value: Any) -> str:
    return "" if value is None else str(value)

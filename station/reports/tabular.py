"""Shift log as CSV and XLSX (typed columns, frozen header, autofilter)."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from station.cell_text import FORMULA_LEADS, neutralise
from station.errors import UserFacingError
from station.i18n import _
from station.reports.shift_rows import ShiftLog

FORMATS = {"money": "#,##0.00", "float": "0.0", "int": "0", "time": "yyyy-mm-dd hh:mm"}



def _text_cell(value: Any) -> Any:
    return neutralise(value) if isinstance(value, str) else value


def _atomic(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.with_name(f".{out.name}.{os.getpid()}.tmp")


def _finish(tmp: Path, out: Path) -> None:
    os.replace(tmp, out)


def _fail(exc: OSError, out: Path) -> UserFacingError:
    return UserFacingError(_("The export could not be written to {out} ({strerror}). Choose another folder "
                             "or free some space, then export again.").format(out=out, strerror=exc.strerror or exc))


def _csv_value(kind: str) -> Callable[[Any], Any] | None:
    """How a column's values are written to CSV; None when csv.writer's own str() is right."""
    if kind == "bool":
        return lambda v: "" if v is None else ("yes" if v else "no")
    if kind == "time":
        return lambda v: "" if v is None else v.isoformat(sep=" ", timespec="seconds")
    if kind == "text":
        return _text_cell
    return None  # csv.writer writes None as an empty field and everything else with str()


def write_csv(log: ShiftLog, out: Path) -> Path:
    """The header on the first line, CRLF throughout (RFC 4180), UTF-8 with a BOM so Excel reads
    the en dash and accents right. Window, zone and filter are not a line of their own (a
    spreadsheet would take it for the header): every time carries its UTC offset instead."""
    tmp = _atomic(out)
    try:
        with tmp.open("w", newline="", encoding="utf-8-sig") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow([h for _k, h, _t in log.columns])
            getter = itemgetter(*(k for k, _h, _t in log.columns))
            converters = [(i, conv) for i, (_k, _h, t) in enumerate(log.columns) if (conv := _csv_value(t))]
            for row in log.rows:
                values = list(getter(row))
                for i, conv in converters:
                    values[i] = conv(values[i])
                w.writerow(values)
        _finish(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _fail(exc, out) from exc
    return out


def _quoted_cell(ws: Any) -> Callable[[str], WriteOnlyCell]:
    """A fresh string cell per value: a row may hold several of them."""
    def make(text: str) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=text)
        c.data_type = "s"  # after the value: assigning "=..." made it a formula
        c.quotePrefix = True
        return c
    return make


def utc_offset(moment: datetime) -> str:
    """'UTC+02:00': what tells the two 02:30s of the October night apart in a spreadsheet."""
    off = moment.utcoffset()
    minutes = int(off.total_seconds()) // 60 if off is not None else 0
    return f"UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def write_xlsx(log: ShiftLog, out: Path) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Shift log")
    ws.freeze_panes = "A2"
    # A spreadsheet date has no zone: each time column's local time is a date cell, and its UTC
    # offset follows in a text column at the end.
    times = [i for i, (_k, _h, kind) in enumerate(log.columns) if kind == "time"]
    columns = [*log.columns, *((k, f"{h} UTC offset", "offset") for k, h, _t in (log.columns[i] for i in times))]
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(log.rows) + 1}"
    for i, (_k, _header, kind) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = 22 if kind in ("text", "time") else 12
    bold = Font(bold=True)
    header_cells = []
    for _k, h, _t in columns:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    # One styled cell per formatted column, given each row's value in turn: openpyxl
    # writes a write-only row as soon as it is appended, and creating and styling a cell
    # for every money, time and number value was a third of the export time.
    styled = []
    for i, (_k, _h, kind) in enumerate(log.columns):
        if kind in FORMATS:
            c = WriteOnlyCell(ws)
            c.number_format = FORMATS[kind]
            styled.append((i, c))
    # Text that a spreadsheet could take for a formula goes out as a string cell: openpyxl
    # makes any text starting with "=" a formula, and quotePrefix keeps Excel from turning
    # the rest into one when the cell is edited. Numbers, dates and booleans keep their types.
    quoted = _quoted_cell(ws)
    texts = [i for i, (_k, _h, kind) in enumerate(log.columns) if kind == "text"]
    getter = itemgetter(*(k for k, _h, _t in log.columns))
    for row in log.rows:
        values = [None if v == "" else v for v in getter(row)]  # an empty string still writes a cell
        for i in times:
            v = values[i]
            values.append(utc_offset(v) if v is not None else None)
            values[i] = v.replace(tzinfo=None) if v is not None else None
        for i, c in styled:
            if values[i] is not None:
                c.value = values[i]
                values[i] = c
        for i in texts:
            v = values[i]
            if isinstance(v, str) and v.startswith(FORMULA_LEADS):
                values[i] = quoted(v)
        ws.append(values)
    about = wb.create_sheet("About")
    quoted_about = _quoted_cell(about)
    for label, value in log.about():
        about.append([label, quoted_about(value) if isinstance(value, str) and value.startswith(FORMULA_LEADS)
                      else value])
    tmp = _atomic(out)
    try:
        wb.save(tmp)
        _finish(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _fail(exc, out) from exc
    return out

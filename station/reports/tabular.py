"""Shift log as CSV and XLSX (typed columns, frozen header, autofilter)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from station.errors import UserFacingError
from station.reports.shift_rows import COLUMNS, ShiftLog

FORMATS = {"money": "#,##0.00", "float": "0.0", "int": "0", "time": "yyyy-mm-dd hh:mm"}


def _atomic(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.with_name(f".{out.name}.{os.getpid()}.tmp")


def _finish(tmp: Path, out: Path) -> None:
    os.replace(tmp, out)


def _fail(exc: OSError, out: Path) -> UserFacingError:
    return UserFacingError(f"The export could not be written to {out} ({exc.strerror or exc}). "
                           "Choose another folder or free some space, then export again.")


def _text(key: str, kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "time":
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def write_csv(log: ShiftLog, out: Path) -> Path:
    tmp = _atomic(out)
    try:
        with tmp.open("w", newline="", encoding="utf-8") as f:
            f.write(f"# Shift log {log.window.label()}; times in {log.zone}"
                    f"{'; operator ' + log.operator if log.operator else ''}\n")
            w = csv.writer(f)
            w.writerow([h for _k, h, _t in COLUMNS])
            keys = [(k, t) for k, _h, t in COLUMNS]
            w.writerows([_text(k, t, row[k]) for k, t in keys] for row in log.rows)
        _finish(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _fail(exc, out) from exc
    return out


def write_xlsx(log: ShiftLog, out: Path) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Shift log")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(log.rows) + 1}"
    for i, (_k, _header, kind) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = 22 if kind in ("text", "time") else 12
    bold = Font(bold=True)
    header_cells = []
    for _k, h, _t in COLUMNS:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    formatted = [(k, FORMATS.get(t)) for k, _h, t in COLUMNS]
    for row in log.rows:
        cells = []
        for key, fmt in formatted:
            value = row[key]
            if fmt and value is not None:
                c = WriteOnlyCell(ws, value=value)
                c.number_format = fmt
                cells.append(c)
            else:
                cells.append(value)
        ws.append(cells)
    about = wb.create_sheet("About")
    about.append(["Shift", log.window.label()])
    about.append(["Time zone", log.zone])
    about.append(["Operator filter", log.operator or "all"])
    about.append(["Units", len(log.rows)])
    tmp = _atomic(out)
    try:
        wb.save(tmp)
        _finish(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _fail(exc, out) from exc
    return out

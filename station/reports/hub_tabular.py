"""The shift log of every station as CSV and XLSX, with a Station column.

The same file shapes as station.reports.tabular (a comment line stating the window and
zone, typed XLSX cells with number formats, frozen header, autofilter, an About sheet),
but driven by the log's own `columns`: tabular's writers are bound to the station's
column set, and a hub export adds the station in front.

Written to a temporary name and renamed, so a failure leaves no partial file.
"""

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
from station.reports.hub_rows import HubShiftLog

FORMATS = {"money": "#,##0.00", "float": "0.0", "int": "0", "time": "yyyy-mm-dd hh:mm"}


def _tmp(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.with_name(f".{out.name}.{os.getpid()}.tmp")


def _failed(exc: OSError, out: Path) -> UserFacingError:
    return UserFacingError(f"The export could not be written to {out} ({exc.strerror or exc}). "
                           "Choose another folder or free some space, then export again.")


def _cell_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "time":
        return str(value.strftime("%Y-%m-%d %H:%M:%S"))
    return str(value)


def title(log: HubShiftLog) -> str:
    stations = log.stations
    return (f"Shift log, all stations ({len(stations)}: {', '.join(stations) or 'none'}), {log.window.label()}; "
            f"times in {log.zone}{'; operator ' + log.operator if log.operator else ''}")


def write_csv(log: HubShiftLog, out: Path) -> Path:
    tmp = _tmp(out)
    try:
        with tmp.open("w", newline="", encoding="utf-8") as f:
            f.write(f"# {title(log)}\n")
            w = csv.writer(f)
            w.writerow([h for _k, h, _t in log.columns])
            keys = [(k, t) for k, _h, t in log.columns]
            w.writerows([_cell_text(t, row[k]) for k, t in keys] for row in log.rows)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _failed(exc, out) from exc
    return out


def write_xlsx(log: HubShiftLog, out: Path) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Shift log")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(log.columns))}{len(log.rows) + 1}"
    for i, (_k, _h, kind) in enumerate(log.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = 22 if kind in ("text", "time") else 12
    bold = Font(bold=True)
    header = []
    for _k, h, _t in log.columns:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        header.append(c)
    ws.append(header)
    formatted = [(k, FORMATS.get(t)) for k, _h, t in log.columns]
    for row in log.rows:
        cells: list[Any] = []
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
    about.append(["Stations", ", ".join(log.stations)])
    about.append(["Source", f"hub {log.hub_url}"])
    about.append(["Units", len(log.rows)])
    tmp = _tmp(out)
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _failed(exc, out) from exc
    return out

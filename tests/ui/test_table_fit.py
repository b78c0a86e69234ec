"""The drill-down and wipe tables are sized to their content in the app's own (larger) font: no column's
text cut while the screen has room, and the long ones give way first when it has not."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtWidgets import QWidget

from station.devices.manager import DeviceManager
from station.ui.drilldown import COLUMNS as DRILL_COLUMNS
from station.ui.drilldown import DrillDown
from station.ui.panels.wipe import WipePanel
from station.ui.style import STYLE
from station.ui.table_fit import content_width
from station.ui.wipe_model import COLUMNS
from station.ui.wipe_targets import Facts, Snapshot


def _unit(n: int, blocked: str = "") -> SimpleNamespace:
    return SimpleNamespace(uid=f"U{n:08d}", device_class="phone", model="Pixel 7 Pro", serial=f"SER-{n:06d}",
                           imei="490154203237518", sale_grade="A+", wipe_status="sanitized", route="resell_retail",
                           stage="finished", finished_at="2026-12-07T19:28:07Z", blocked_reason=blocked)


def test_the_drill_down_shows_every_column_whole_in_the_apps_font(qtbot) -> None:  # type: ignore[no-untyped-def]
    host = QWidget()
    host.setStyleSheet(STYLE)  # as the main window's theme reaches the dialog
    qtbot.addWidget(host)
    units = [_unit(1), _unit(2, "Google account still signed in (FRP)")]
    dialog = DrillDown("Units finished — this shift", units, host)  # type: ignore[arg-type]
    dialog.show()
    qtbot.waitExposed(dialog)
    table, header = dialog.table, dialog.table.horizontalHeader()
    cut = [DRILL_COLUMNS[c][0] for c in range(len(DRILL_COLUMNS)) if header.sectionSize(c) < content_width(table, c)]
    screen = dialog.screen().availableGeometry()
    if sum(content_width(table, c) for c in range(len(DRILL_COLUMNS))) + 60 < screen.width():
        assert cut == []
        assert sum(header.sectionSize(c) for c in range(len(DRILL_COLUMNS))) <= table.viewport().width()  # no scrolling
    else:  # a screen narrower than the table (offscreen's is 800 px): only the free-text columns give way
        assert cut and set(cut) <= {"Model", "Finished", "Blocked because"}, cut
    assert dialog.width() <= screen.width() and dialog.height() <= screen.height()


class _Row:
    """A wipe row as the demo bench shows it: what the table draws, nothing to wipe."""

    def __init__(self, n: int, facts: Facts, snap: Snapshot | None = None) -> None:
        self.id, self.label, self.connected = f"row-{n}", facts.model, True
        self._facts, self._snap = facts, snap or Snapshot()

    def facts(self) -> Facts:
        return self._facts

    def snapshot(self) -> Snapshot:
        return self._snap

    def eligible(self) -> bool:
        return True

    def running(self) -> bool:
        return False


def _bench_rows() -> list[_Row]:
    ready = "ready to wipe"
    drives = [Facts(f"bay {n}", f"Demo SSD {n}", f"SIM{n}-EF12AB34", "4.2 MB", "ata", ready) for n in (1, 2, 3, 4)]
    phones = [Facts("TCP", "Pixel 6a", f"DEMO-PIXEL-0{n}", "", "adb", "ready: factory reset",
                    {"imei": "490154203237518"}) for n in (1, 2)]
    loop = Facts("loop", "Crucial CT512MX100SSD1", "14330CEF1CD1", "8.4 MB", "loop", ready)
    rows = [_Row(n, f) for n, f in enumerate([*drives, *phones, loop])]
    for phone in rows[4:6]:
        phone._snap = Snapshot(method="factory reset")
    rows[1]._snap = Snapshot(fraction=1.0, result="SANITIZED · certificate issued", level="ok", method="clear")
    rows[2]._snap = Snapshot(result="FAILED: the drive refused the SANITIZE command (sense 5/24/00)", level="error")
    return rows


def test_the_wipe_table_at_1280_px_shows_each_drives_model_and_serial_whole(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    """The model and serial are how the technician finds the drive in the bay: at 1280 px they are whole.
    The long texts give way first, the Result down to its first word, then the guard's reason (both read in
    full in the detail line under the table)."""
    panel = WipePanel(ctx, DeviceManager())
    panel.setStyleSheet(STYLE)
    qtbot.addWidget(panel)
    panel.model.method = "purge"
    for row in _bench_rows():
        panel.model.add(row)  # type: ignore[arg-type]
    panel.show()
    qtbot.waitExposed(panel)
    panel.resize(panel.width() - panel.table.width() + 1248, 600)  # the table as wide as in the window at 1280x800
    qtbot.waitUntil(lambda: panel.table.width() == 1248)
    panel.fit_columns()
    table, header = panel.table, panel.table.horizontalHeader()

    def width(name: str) -> int:
        return header.sectionSize(COLUMNS.index(name))

    whole = {c: width(c) >= content_width(table, COLUMNS.index(c)) for c in COLUMNS if c != "Result"}
    assert all(whole[c] for c in ("Bay", "Model", "IMEI", "Serial", "Size", "Bus")), whole
    font = table.fontMetrics()
    assert width("Result") >= font.horizontalAdvance("SANITIZED") + 8  # every status readable by its first word
    assert width("Guard") >= font.horizontalAdvance("ready: ")
    # A cut column is one that gave way: nothing is cut while the Result is wider than its word needs.
    assert whole["Guard"] or width("Result") <= font.horizontalAdvance("SANITIZED") + 16
    assert header.length() <= table.viewport().width()  # nothing scrolls sideways

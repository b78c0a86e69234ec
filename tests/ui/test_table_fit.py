"""The drill-down and wipe tables are sized to their content in the app's own (larger) font: no column's
text cut while the screen has room, and the long ones give way first when it has not."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtWidgets import QWidget

from station.ui.drilldown import COLUMNS, DrillDown
from station.ui.style import STYLE
from station.ui.table_fit import content_width


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
    cut = [COLUMNS[c][0] for c in range(len(COLUMNS)) if header.sectionSize(c) < content_width(table, c)]
    screen = dialog.screen().availableGeometry()
    if sum(content_width(table, c) for c in range(len(COLUMNS))) + 60 < screen.width():
        assert cut == []
        assert sum(header.sectionSize(c) for c in range(len(COLUMNS))) <= table.viewport().width()  # no scrolling
    else:  # a screen narrower than the table (offscreen's is 800 px): only the free-text columns give way
        assert cut and set(cut) <= {"Model", "Finished", "Blocked because"}, cut
    assert dialog.width() <= screen.width() and dialog.height() <= screen.height()

"""The Supervisor panel's export dialog: all stations from a real hub, chosen by keyboard only."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from station import grading, operators, units
from station.context import Operator
from station.sync import run_once
from station.ui.ops import Changes
from station.ui.panels.supervisor import SupervisorPanel
from tests.grading.helpers import PHONE_B_PLUS
from tests.sync.pgserver import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def test_export_dialog_fetches_all_stations_from_the_hub(qtbot, make_window, data_dir: Path, hub, tokens,
                                                          make_station, tmp_path: Path) -> None:
    bench = make_station("bench-a", hub.url, tokens.station("bench-a"))
    with bench.store.session() as s:
        uid = units.create(s, bench.actor, {"serial": "HUB-UI-1"}, device_class="phone", model="Pixel 7").uid
    grading.record(bench, uid, PHONE_B_PLUS)
    assert run_once(bench).ok
    data_dir.mkdir(parents=True)
    (data_dir / "station.toml").write_text(
        f'[station]\nid = "bench-gui"\n[sync]\nhub_url = "{hub.url}"\nallow_insecure = true\n'
        f'token = "{tokens.station("bench-gui")}"\n'
        f'reader_token = "{tokens.reader("sue")}"\n')
    w = make_window(data_dir)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    info = operators.add(w.ctx, "Sue", "supervisor", pin="2468")
    w.ctx.operator = Operator(info.id, "Sue", "supervisor")
    Changes.hub().changed.emit({"operator"})
    panel = w.panel(SupervisorPanel)
    qtbot.keyClick(w, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.last is not None, timeout=20000)

    # keys pass the wedge-scanner filter first, which holds a burst briefly: wait for what they do
    qtbot.keyClick(panel, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: panel.export_dialog is not None and panel.export_dialog.isVisible(), timeout=5000)
    dialog = panel.export_dialog
    assert dialog is not None and dialog.this_station.isChecked() and dialog.all_stations.isEnabled()
    qtbot.waitUntil(dialog.this_station.hasFocus, timeout=5000)  # once the dialog is the active window
    qtbot.keyClick(dialog.this_station, Qt.Key.Key_Down)  # arrow keys move within the radio group
    qtbot.waitUntil(dialog.all_stations.isChecked, timeout=5000)
    assert dialog.path.text().endswith("-all.csv")
    qtbot.keyClick(dialog.format, Qt.Key.Key_Down)  # CSV -> Excel
    qtbot.waitUntil(lambda: dialog.path.text().endswith("-all.xlsx"), timeout=5000)
    out = tmp_path / "exports" / "all-stations.xlsx"
    dialog.path.setText(str(out))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "all stations" in w.status.message.text(), timeout=20000)
    # this station's queued events (adding Sue) change no unit, so there is nothing missing to say
    assert w.status.message.text() == f"Exported 1 unit of all stations to {out}."
    assert panel.export_dialog is None and panel.isAncestorOf(QApplication.focusWidget())  # E works again
    ws = openpyxl.load_workbook(out)["Shift log"]
    header = [c.value for c in ws[1]]
    row = dict(zip(header, (c.value for c in ws[2]), strict=True))
    assert (row["Station"], row["Unit"], row["Sale grade"], row["Model"]) == ("bench-a", uid, "B+", "Pixel 7")

    # the hub goes away: one sentence in the status line, no file
    w.ctx.config.set("sync.hub_url", f"http://127.0.0.1:{free_port()}")
    qtbot.keyClick(panel, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: panel.export_dialog is not None and panel.export_dialog.isVisible(), timeout=5000)
    again = panel.export_dialog
    qtbot.waitUntil(again.this_station.hasFocus, timeout=5000)
    qtbot.keyClick(again.this_station, Qt.Key.Key_Down)
    qtbot.waitUntil(again.all_stations.isChecked, timeout=5000)
    missing = tmp_path / "exports" / "never.csv"
    again.path.setText(str(missing))
    qtbot.keyClick(again.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "cannot be reached" in w.status.message.text(), timeout=20000)
    assert "nothing was exported" in w.status.message.text() and not missing.exists()


def test_all_stations_is_offered_only_with_a_hub_and_a_reader_token(qtbot, make_window, data_dir: Path) -> None:
    w = make_window(data_dir)
    info = operators.add(w.ctx, "Sue", "supervisor", pin="2468")
    w.ctx.operator = Operator(info.id, "Sue", "supervisor")
    panel = w.panel(SupervisorPanel)
    panel.export()
    dialog = panel.export_dialog
    assert dialog is not None and not dialog.all_stations.isEnabled()
    assert "set sync.hub_url" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()

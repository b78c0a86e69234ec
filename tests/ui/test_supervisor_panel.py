"""The Supervisor panel: a technician is kept out; a supervisor sees live KPIs and drills down."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from station import events, operators, units
from station.context import Operator
from station.ui.drilldown import DrillDown
from station.ui.kpi_dashboard import EMPTY_CHART
from station.ui.ops import Changes
from station.ui.panels.supervisor import SupervisorPanel


def _window(qtbot, make_window, data_dir):
    # No self-driving demo scanner: its badge scan every 6 s would sign the supervisor out mid-test.
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')
    w = make_window(data_dir)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def _chart_notes(panel: SupervisorPanel, name: str) -> list[str]:
    import pyqtgraph as pg
    items = panel.dashboard.plots[name].getPlotItem().items
    return [i.toPlainText() for i in items if isinstance(i, pg.TextItem)]


def _sign_in(w, role: str) -> None:
    info = operators.add(w.ctx, f"{role} {len(operators.list_operators(w.ctx))}", role, pin="2468")
    w.ctx.operator = Operator(info.id, info.name, role)
    Changes.hub().changed.emit({"operator"})


def test_a_technician_cannot_open_the_dashboard_or_admin(qtbot, make_window, data_dir) -> None:
    w = _window(qtbot, make_window, data_dir)
    _sign_in(w, "technician")
    panel = w.panel(SupervisorPanel)
    qtbot.keyClick(w, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert panel.stack.currentWidget() is panel.gate
    qtbot.keyClick(panel, Qt.Key.Key_A)
    assert panel.stack.currentWidget() is panel.gate
    panel.export()
    assert "Only a supervisor" in w.status.message.text()


def test_supervisor_sees_live_kpis_and_the_units_behind_a_figure(qtbot, make_window, data_dir, monkeypatch) -> None:
    w = _window(qtbot, make_window, data_dir)
    _sign_in(w, "supervisor")
    panel = w.panel(SupervisorPanel)
    qtbot.keyClick(w, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.last is not None, timeout=20000)
    assert panel.last.units_finished == 0
    assert _chart_notes(panel, "Grade mix") == [EMPTY_CHART]  # said in words, not a bare axis
    x_range = panel.dashboard.plots["Grade mix"].getViewBox().viewRange()[0]
    assert x_range == [-0.5, 0.5]
    with w.ctx.store.session() as s:  # a unit finishes while the dashboard is open
        u = units.create(s, w.ctx.actor, {"serial": "LIVE-1"}, device_class="phone")
        units.touch(u, stage="finished", finished_at=u.created_at, sale_grade="B+", shipping_cost=4.0)
        events.append(s, w.ctx.actor, "unit.finished", {"costs": {
            "labour": 3.0, "handling": 1.5, "inspection": 2.0, "labour_minutes": {"grade": 5.0}}}, u)
        events.append(s, w.ctx.actor, "outcome.recorded", {"outcome": "sold", "amount": 90.0, "expected_value": 100.0},
                      u)  # sold 10 under what routing expected of it
    Changes.hub().changed.emit({"units"})
    qtbot.waitUntil(lambda: panel.last.units_finished == 1, timeout=10000)
    assert "1 of 1 in" in panel.dashboard.tiles["Units finished"].text()
    assert "10.50 (3.00 labour; 1 unit)" in panel.dashboard.tiles["Cost per return"].text()
    assert "90% (off by 10.00 a sale; 1 sale)" in panel.dashboard.tiles["Disposition accuracy by value"].text()
    assert _chart_notes(panel, "Grade mix") == []
    ticks = panel.dashboard.plots["Grade mix"].getAxis("bottom")._tickLevels
    assert ticks == [[(0, "B+")]]
    opened: list[DrillDown] = []
    monkeypatch.setattr(DrillDown, "exec", lambda self: opened.append(self) or 0)
    tile = panel.dashboard.tiles["Units finished"]
    tile.setFocus()
    assert tile.hasFocus(), QApplication.focusWidget()
    qtbot.keyClick(tile, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=10000)
    assert [x.uid for x in opened[0].units] == [u.uid]
    qtbot.keyClick(panel, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: panel.admin.operators.rowCount() >= 1, timeout=10000)
    names = [panel.admin.operators.item(r, 0).text() for r in range(panel.admin.operators.rowCount())]
    assert any(n.startswith("supervisor") for n in names)
    from PySide6.QtWidgets import QFormLayout, QLabel

    from station.config import BY_KEY
    form_labels = [w.text() for w in panel.admin.findChildren(QLabel)]
    key = next(iter(panel.admin.fields))
    assert BY_KEY[key].description in form_labels and key not in form_labels  # words, not raw config keys
    assert panel.admin.findChildren(QFormLayout)
    QApplication.processEvents()

"""A scan of a unit opens it on any panel; only the open unit's own label is its scan-back check."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from station import units
from station.models import Event
from station.ui.panels.label import LabelPanel


def _label_waiting(qtbot, make_window, data_dir):  # type: ignore[no-untyped-def]
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')
    w = make_window(data_dir)
    w.show()
    w.scans.submit("OP-0001")  # the demo technician's badge
    qtbot.waitUntil(lambda: w.ctx.operator is not None, timeout=10000)
    with w.ctx.store.session() as s:
        uid = units.create(s, w.ctx.actor, {"serial": "SB-1"}, device_class="other").uid
        other = units.create(s, w.ctx.actor, {"imei": "356938035643809"}, device_class="phone").uid
    w.set_unit(uid)
    panel = w.panel(LabelPanel)
    w.show_panel(w.panels.index(panel))
    panel.awaiting = uid  # a label was just printed for this unit
    return w, panel, uid, other


def _scan_backs(w) -> int:  # type: ignore[no-untyped-def]
    with w.ctx.store.reader() as s:
        return len(s.execute(select(Event.id).where(Event.kind == "label.scan_back")).all())


@pytest.mark.parametrize("scan", ["IMEI", "LABEL"])
def test_a_scan_of_another_unit_opens_it_even_while_a_label_waits(qtbot, make_window, data_dir, scan) -> None:
    w, panel, _uid, other = _label_waiting(qtbot, make_window, data_dir)
    w.scans.submit("356938035643809" if scan == "IMEI" else other)
    qtbot.waitUntil(lambda: w.unit_uid == other, timeout=10000)
    assert _scan_backs(w) == 0  # no check, and no "LABEL MISMATCH", was recorded for the other unit
    assert "MISMATCH" not in panel.verdict.text()
    assert panel.awaiting is None  # the label of the unit left behind no longer waits


def test_the_open_units_own_label_is_its_check(qtbot, make_window, data_dir) -> None:
    w, panel, uid, _other = _label_waiting(qtbot, make_window, data_dir)
    w.show_panel(0)  # on any panel
    w.scans.submit(uid)
    qtbot.waitUntil(lambda: panel.awaiting is None, timeout=10000)
    assert w.tabs.currentWidget() is panel and panel.verdict.text().startswith("Label checked")
    assert _scan_backs(w) == 1 and w.unit_uid == uid


def test_space_and_enter_still_press_buttons_through_the_scanner_filter(qtbot, make_window, data_dir) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QCheckBox, QPushButton

    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')
    w = make_window(data_dir)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    button = QPushButton("Go", w.panels[0])
    box = QCheckBox("Tick", w.panels[0])
    clicks: list[bool] = []
    button.clicked.connect(lambda: clicks.append(True))
    button.show()
    box.show()
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: clicks == [True], timeout=3000)
    assert not button.isDown()
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.waitUntil(box.isChecked, timeout=3000)

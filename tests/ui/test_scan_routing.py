"""Scans that answer an open question go there: the label scan-back check, not intake."""

from __future__ import annotations

from station import units
from station.ui.panels.label import LabelPanel


def test_scan_back_of_a_wrong_label_is_a_loud_mismatch_not_a_new_unit(qtbot, make_window, data_dir) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')
    w = make_window(data_dir)
    w.show()
    with w.ctx.store.session() as s:
        uid = units.create(s, w.ctx.actor, {"serial": "SB-1"}, device_class="other").uid
    w.set_unit(uid)
    panel = w.panel(LabelPanel)
    w.show_panel(w.panels.index(panel))
    panel.awaiting = uid  # a label was just printed for this unit
    w.scans.submit("NOT-THE-LABEL-42")
    qtbot.waitUntil(lambda: panel.verdict.text().startswith("LABEL MISMATCH"), timeout=10000)
    assert w.unit_uid == uid  # the scan did not open or create another unit
    assert panel.awaiting == uid
    w.scans.submit(uid)
    qtbot.waitUntil(lambda: panel.awaiting is None, timeout=10000)


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

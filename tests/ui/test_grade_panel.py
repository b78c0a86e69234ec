"""The Grade panel grades a phone by keys alone, in at most 10 inputs, and takes command barcodes."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from station import units
from station.models import Event, Grade
from station.ui.app import create_window
from station.ui.panels.grade import GradePanel

WEDGE_GAP_MS = 60  # above scanner.wedge_max_gap_ms (35)


def _window(qtbot, data_dir):  # type: ignore[no-untyped-def]
    w = create_window(data_dir, demo=True)
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def _phone(w, serial: str = "356938035643809") -> str:  # type: ignore[no-untyped-def]
    with w.ctx.store.session() as s:
        return units.create(s, w.ctx.actor, {"imei": serial}, device_class="phone", model="Pixel 7").uid


def test_a_phone_is_graded_by_keys_alone_in_ten_inputs(qtbot, data_dir) -> None:
    w = _window(qtbot, data_dir)
    uid = _phone(w)
    w.set_unit(uid)  # the intake scan opened it
    panel = w.panel(GradePanel)
    inputs = 0

    def key(k) -> None:  # type: ignore[no-untyped-def]
        nonlocal inputs
        inputs += 1
        qtbot.keyClick(QApplication.focusWidget() or w, k)
        # A person's pace: faster bursts are a keyboard-wedge scan, which the wedge filter takes.
        qtbot.wait(WEDGE_GAP_MS)

    key(Qt.Key.Key_F2)
    assert w.tabs.currentWidget() is panel
    qtbot.waitUntil(lambda: panel.form is not None, timeout=5000)
    assert QApplication.focusWidget() is panel
    # power yes, glass light scratches, display perfect, housing light wear, locks none,
    # functional test passed, battery >= 80 %, liquid indicator clean
    for digit in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_1, Qt.Key.Key_1,
                  Qt.Key.Key_1, Qt.Key.Key_1):
        key(digit)
    assert panel.summary.grade.text() == "B+"  # live, before saving
    key(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not panel.saving and not panel.dirty, timeout=5000)
    assert inputs <= 10, f"{inputs} inputs"
    assert panel.inputs == inputs - 1  # the panel counts its own keys (F2 went to the window)
    with w.ctx.store.reader() as s:
        unit = units.by_uid(s, uid)
        assert (unit.sale_grade, unit.cosmetic_grade, unit.functional_code) == ("B+", "B", "FF")
        assert unit.grade_matrix == "phone@2025.1"
        grade = s.execute(select(Grade)).scalar_one()
        assert json.loads(grade.answers)["glass"] == "light"
        assert s.execute(select(Event.kind).where(Event.unit_id == unit.id).order_by(Event.seq.desc())
                         ).scalars().first() == "grade.recorded"
    qtbot.waitUntil(lambda: "Resell" in panel.summary.route.text(), timeout=5000)
    assert "Blocked" in panel.summary.route.text()  # not wiped yet: no resale route
    w.devices.close()

"""The Grade panel grades a phone by keys alone, in at most 10 inputs, and takes command barcodes."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from station import grading, lots, operators, units
from station.devices.manager import DeviceManager
from station.models import Event, Grade
from station.ui.app import create_window
from station.ui.lots_dialog import LotsDialog
from station.ui.ops import Changes
from station.ui.panels.grade import GradePanel
from tests.grading.helpers import PHONE_B_PLUS, PHONE_REF, set_fields, sign_in

WEDGE_GAP_MS = 60  # above scanner.wedge_max_gap_ms (35)


def _window(qtbot, data_dir):  # type: ignore[no-untyped-def]
    w = create_window(data_dir, demo=True)
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def _phone(w, serial: str = "356938035643809") -> str:  # type: ignore[no-untyped-def]
    """A phone unit; `w` is anything with a `ctx` (the window, or a holder in panel-only tests)."""
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
    assert panel.summary.grade.text() == "B+"
    qtbot.waitUntil(lambda: not panel.saving and not panel.dirty, timeout=5000)  # the last answer saved it
    assert inputs <= 9, f"{inputs} inputs"
    assert panel.inputs == inputs - 1  # the panel counts its own keys (F2 went to the window)
    with w.ctx.store.reader() as s:
        unit = units.by_uid(s, uid)
        assert (unit.sale_grade, unit.cosmetic_grade, unit.functional_code) == ("B+", "B", "FF")
        assert unit.grade_matrix == PHONE_REF
        grade = s.execute(select(Grade)).scalar_one()
        assert json.loads(grade.answers)["glass"] == "light"
        assert "grade.recorded" in s.execute(select(Event.kind).where(Event.unit_id == unit.id)).scalars().all()
    qtbot.waitUntil(lambda: "Resell" in panel.summary.route.text(), timeout=5000)
    assert "Blocked" in panel.summary.route.text()  # not wiped yet: no resale route
    w.devices.close()


def _panel(qtbot, ctx) -> GradePanel:  # type: ignore[no-untyped-def]
    panel = GradePanel(ctx, DeviceManager())
    qtbot.addWidget(panel)
    panel.show()
    return panel


def _open(qtbot, panel: GradePanel, uid: str) -> None:  # type: ignore[no-untyped-def]
    panel.set_unit(uid)
    qtbot.waitUntil(lambda: panel.form is not None and panel.loaded.uid == uid, timeout=5000)


def _on_next_modal(act) -> list:  # type: ignore[no-untyped-def]
    """Run `act(dialog)` on the modal dialog that the next call opens; returns what it saw."""
    seen: list = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, poll)
            return
        seen.append(dialog)
        act(dialog)

    QTimer.singleShot(0, poll)
    return seen


def test_command_barcodes_grade_and_an_override_is_audited(qtbot, ctx) -> None:
    panel = _panel(qtbot, ctx)
    uid = _phone(w=type("W", (), {"ctx": ctx})())
    _open(qtbot, panel, uid)
    for arg in ("", "1", "B", "1", "C", "1", "1", "1"):  # power yes, glass B, display ok, housing C, ...
        assert panel.handle_command("GRADE", arg)
    assert panel.summary.grade.text() == "C+" and not panel.form.at_end  # live, liquid still open
    assert not panel.handle_command("PHOTO", None)
    panel.handle_command("GRADE", "X")
    assert "not a grading command" in panel.message.text()
    panel.handle_command("GRADE", "1")
    assert panel.summary.grade.text() == "C+" and panel.form.at_end
    panel.handle_command("GRADE", "SAVE")
    qtbot.waitUntil(lambda: not panel.saving and not panel.dirty, timeout=5000)

    qtbot.keyClick(panel, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert "Only a supervisor may override" in panel.message.text()  # no one signed in
    sign_in(ctx, "supervisor")

    def fill(dialog) -> None:  # type: ignore[no-untyped-def]
        qtbot.keyClick(dialog.cosmetic, Qt.Key.Key_D)
        qtbot.keyClicks(dialog.reason, "cracked frame under the bumper")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)

    seen = _on_next_modal(fill)
    qtbot.keyClick(panel, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert seen and type(seen[0]).__name__ == "OverrideDialog"
    qtbot.waitUntil(lambda: panel.loaded.sale_grade == "D+", timeout=5000)
    with ctx.store.reader() as s:
        ev = s.execute(select(Event).where(Event.kind == "grade.overridden")).scalar_one()
        payload = json.loads(ev.payload)
    assert payload["computed"]["sale_grade"] == "C+" and payload["reason"] == "cracked frame under the bumper"
    assert ev.operator_name == "Supervisor One" and operators.list_operators(ctx)


def test_route_is_refused_until_the_wipe_passed_then_assigned(qtbot, ctx) -> None:
    panel = _panel(qtbot, ctx)
    uid = _phone(w=type("W", (), {"ctx": ctx})())
    grading.record(ctx, uid, PHONE_B_PLUS)
    _open(qtbot, panel, uid)
    assert "Blocked" in panel.summary.route.text()
    qtbot.keyClick(panel, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "sanitization has not passed" in panel.message.text(), timeout=5000)
    set_fields(ctx, uid, wipe_status="sanitized")
    Changes.hub().changed.emit({"wipe"})
    qtbot.waitUntil(lambda: "Blocked" not in panel.summary.route.text(), timeout=5000)
    qtbot.keyClick(panel, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Routed to Resell" in panel.message.text(), timeout=5000)
    with ctx.store.reader() as s:
        assert units.by_uid(s, uid).route == "resell_retail"


def test_lots_dialog_adds_by_scan_confirms_a_misfit_and_exports(qtbot, ctx, tmp_path) -> None:
    holder = type("W", (), {"ctx": ctx})()
    first, second = _phone(holder, "356938035643809"), _phone(holder, "490154203237518")
    grading.record(ctx, first, PHONE_B_PLUS)
    grading.record(ctx, second, {**PHONE_B_PLUS, "glass": "deep"})
    for uid in (first, second):
        set_fields(ctx, uid, wipe_status="sanitized")

    panel = _panel(qtbot, ctx)
    _open(qtbot, panel, first)
    seen = _on_next_modal(lambda d: qtbot.keyClick(d, Qt.Key.Key_Escape))
    qtbot.keyClick(panel, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # opens and (here) leaves at once
    assert seen and isinstance(seen[0], LotsDialog)

    dialog = LotsDialog(ctx, first)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog.scan, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.lots.count() == 1 and dialog.selected() is not None, timeout=5000)
    qtbot.keyClick(dialog.scan, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # the bench unit
    qtbot.waitUntil(lambda: dialog.last_result.startswith("Added"), timeout=5000)
    _on_next_modal(lambda box: qtbot.keyClick(box, Qt.Key.Key_Y))  # "add it anyway? (Y/N)"
    qtbot.keyClicks(dialog.scan, "490154203237518")
    qtbot.keyClick(dialog.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "despite: grade C+, lot takes B+" in dialog.last_result, timeout=5000)
    assert lots.info(ctx, dialog.selected()).count == 2
    out = tmp_path / "lot.csv"
    dialog.export(str(out))
    qtbot.waitUntil(lambda: "2 units written" in dialog.last_result, timeout=5000)
    assert out.read_text().count(PHONE_REF) == 2


def test_grading_scans_that_arrive_before_the_form_loads_are_kept(qtbot, ctx) -> None:
    # A scanner reads the next barcode faster than the unit loads: nothing may be lost or refused.
    holder = type("W", (), {"ctx": ctx})()
    first, second = _phone(holder, "356938035643809"), _phone(holder, "490154203237518")
    panel = _panel(qtbot, ctx)
    panel.set_unit(first)
    panel.handle_command("GRADE", "1")  # meant for the first unit, which is replaced before it loads
    panel.set_unit(second)
    assert panel.form is None or panel.loaded.uid != second
    for arg in ("1", "B", "1"):  # power yes, glass B, display ok
        panel.handle_command("GRADE", arg)
    assert "Scan a unit" not in panel.message.text()
    qtbot.waitUntil(lambda: panel.form is not None and panel.loaded.uid == second, timeout=5000)
    assert panel.form.answers == {"power": "yes", "glass": "light", "display": "perfect"}
    assert panel.inputs == 3 and panel.dirty

    panel.set_unit(None)
    qtbot.waitUntil(lambda: panel.form is None, timeout=5000)
    panel.handle_command("GRADE", "1")
    assert "Scan a unit to grade it first" in panel.message.text()

"""Intake end to end: a pty scanner through pyserial and QSocketNotifier into the main window."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import func, select

from station import operators
from station.context import open_station
from station.devices.manager import DeviceManager
from station.devices.scanner.serial_scanner import SerialScannerDriver
from station.models import Unit
from station.sim.scanner import PtyScanner, SimulatedScannerDriver
from station.ui.main_window import MainWindow
from station.ui.signin import SignInDialog

pytestmark = pytest.mark.timeout(90)
IMEI = "352099001761481"


class Rig:
    def __init__(self, qtbot, data_dir: Path, tmp_path: Path) -> None:
        self.qtbot = qtbot
        self.scanner = PtyScanner(tmp_path / "by-id" / "usb-Zebra_DS2208-if00")
        self.ctx = open_station(data_dir)
        # QTest keys carry no timestamp: a busy machine's stalls must not split a synthetic wedge scan.
        self.ctx.config.set("scanner.wedge_max_gap_ms", 150)
        self.ctx.config.set("scanner.sound", False)
        operators.add(self.ctx, "Ana", "technician", "OP-1001", "1357")
        operators.add(self.ctx, "Sam", "supervisor", "OP-2001", "2468")
        self.devices = DeviceManager()
        self.devices.register(SerialScannerDriver(self.scanner.path, 9600))
        self.devices.scan()
        self.window = MainWindow(self.ctx, self.devices, demo=False)
        qtbot.addWidget(self.window)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.outcomes: list = []
        self.window.scans.handled.connect(self.outcomes.append)

    def scan(self, text: str):
        n = len(self.outcomes)
        self.scanner.send(text)
        self.qtbot.waitUntil(lambda: len(self.outcomes) > n, timeout=10000)
        return self.outcomes[-1]

    def units(self) -> int:
        with self.ctx.store.reader() as s:
            return int(s.execute(select(func.count()).select_from(Unit)).scalar_one())

    def close(self) -> None:
        self.window.scans.serial.close()
        self.devices.close()
        self.scanner.close()
        self.ctx.close()


@pytest.fixture
def rig(qtbot, data_dir, tmp_path):
    r = Rig(qtbot, data_dir, tmp_path)
    yield r
    r.close()


def test_badge_then_imei_shows_the_unit_row(rig: Rig) -> None:
    w = rig.window
    first = rig.scan("35-209900-176148-1")
    assert first.action == "need_sign_in" and w.scans.intake.verdict.property("cue") == "bad"
    assert rig.scan("OP-1001").action == "signed_in"
    assert w.status.operator.text() == "Ana (technician)"
    o = rig.scan(IMEI)
    intake = w.scans.intake
    assert o.action == "created" and w.unit_uid == o.uid
    assert intake.recent.item(0, 2).text() == o.uid and "New unit" in intake.recent.item(0, 3).text()
    assert intake.verdict.property("cue") == "good" and o.uid in intake.unit_box.title()
    assert intake.identifiers.text() == f"imei {IMEI}"
    assert o.uid in w.banner.text() and w.status.message.text() == o.message
    again = rig.scan(IMEI)
    assert again.action == "opened" and intake.verdict.property("cue") == "repeat"
    # created, its stage moving on to Grade, scanned again
    assert intake.history.rowCount() == again.unit.events_total == 3
    # History in sentences, not event ids ("unit.updated changed stage")
    assert re.fullmatch(rf"Scanned \(IMEI {IMEI}\) by Ana at \d\d:\d\d", intake.history.item(0, 0).text())
    assert intake.history.item(1, 0).text().startswith("Moved to Grade by Ana at ")
    assert intake.history.item(2, 0).text().startswith(f"Opened from IMEI {IMEI} by Ana at ")


def test_invalid_scan_is_bad_and_stores_nothing(rig: Rig) -> None:
    rig.scan("OP-1001")
    o = rig.scan("352099001761480")
    assert o.cue == "bad" and "IMEI check digit should be 1, not 0" in rig.window.status.message.text()
    assert rig.window.scans.intake.verdict.property("cue") == "bad"
    lot = rig.scan("LOT-2024-17")
    assert "a unit was expected" in lot.message
    assert rig.units() == 0 and rig.window.unit_uid is None


def test_unplug_shows_in_the_status_bar_and_the_scanner_comes_back(rig: Rig) -> None:
    w, qtbot = rig.window, rig.qtbot
    assert w.status.device_labels["scanner"].text() == "Scanner: ok"
    rig.scanner.unplug()
    qtbot.waitUntil(lambda: w.status.device_labels["scanner"].text() == "Scanner: none", timeout=5000)
    assert "was disconnected; it reconnects by itself" in w.status.message.text()
    rig.scanner.plug()
    qtbot.waitUntil(lambda: w.status.device_labels["scanner"].text() == "Scanner: ok", timeout=5000)
    assert "reconnected" in w.status.message.text()
    assert rig.scan("OP-1001").action == "signed_in"


def test_command_barcodes_switch_panel_and_reach_handle_command(rig: Rig, monkeypatch) -> None:
    w = rig.window
    rig.scan("OP-1001")
    uid = rig.scan(IMEI).uid
    calls: list[tuple[str, str, str | None]] = []
    for step in ("grade", "photos", "label", "wipe"):
        panel = w.scans.panel_for(step)
        monkeypatch.setattr(panel, "handle_command",
                            lambda cmd, arg, step=step: calls.append((step, cmd, arg)) or True)
    rig.scan("CMD:GRADE:B")
    assert w.tabs.currentWidget().title == "Grade" and calls[-1] == ("grade", "GRADE", "B")
    rig.scan("CMD:PHOTO")
    assert w.tabs.currentWidget().title == "Photos" and calls[-1] == ("photos", "PHOTO", None)
    rig.scan("CMD:PRINT")
    assert w.tabs.currentWidget().title == "Label" and calls[-1] == ("label", "PRINT", None)
    rig.scan("CMD:WIPE")
    assert w.tabs.currentWidget().title == "Wipe"
    w.show_panel(1)
    assert rig.scan("CMD:NEXT").step == "photos" and w.tabs.currentWidget().title == "Photos"
    assert w.unit_uid == uid


def test_finished_unit_asks_reprint_or_reprocess(rig: Rig, monkeypatch) -> None:
    from station import workflow

    monkeypatch.setattr(workflow, "FINISH_CHECKS", [])  # grade, photos and route have their own tests
    monkeypatch.setattr(workflow, "ON_FINISH", [])
    w, qtbot = rig.window, rig.qtbot
    rig.scan("OP-1001")
    uid = rig.scan(IMEI).uid
    assert rig.scan("CMD:FINISH").action == "finished"
    printed: list[tuple[str, str | None]] = []
    monkeypatch.setattr(w.scans.panel_for("label"), "handle_command",
                        lambda cmd, arg: printed.append((cmd, arg)) or True)
    assert rig.scan(IMEI).action == "finished_unit"
    box = w.scans.question
    assert isinstance(box, QMessageBox) and box.isVisible() and "re-print its label" in box.text()
    reprint = next(b for b in box.buttons() if "Re-print" in b.text().replace("&", ""))
    n = len(rig.outcomes)
    reprint.click()
    qtbot.waitUntil(lambda: len(rig.outcomes) > n, timeout=5000)
    assert printed == [("PRINT", None)] and w.tabs.currentWidget().title == "Label"
    assert rig.scan(IMEI).action == "finished_unit"
    reprocess = next(b for b in w.scans.question.buttons() if "Re-process" in b.text().replace("&", ""))
    n = len(rig.outcomes)
    reprocess.click()
    qtbot.waitUntil(lambda: len(rig.outcomes) > n, timeout=5000)
    assert rig.outcomes[-1].action == "reopened" and rig.outcomes[-1].unit.stage == "intake"
    assert w.unit_uid == uid


def test_blocked_finish_is_overridden_by_a_supervisor_with_a_reason(rig: Rig, monkeypatch) -> None:
    from station import workflow

    monkeypatch.setattr(workflow, "FINISH_CHECKS", [lambda _s, u: f"Unit {u.uid} has no grade yet."])
    monkeypatch.setattr(workflow, "ON_FINISH", [])
    w, qtbot = rig.window, rig.qtbot
    rig.scan("OP-1001")
    uid = rig.scan(IMEI).uid
    blocked = rig.scan("CMD:FINISH")
    assert blocked.action == "blocked" and w.scans.override is None  # a technician gets no override
    assert f"Unit {uid} has no grade yet." in w.status.message.text()
    rig.scan("OP-2001")
    assert rig.scan("CMD:FINISH").action == "blocked"
    dialog = w.scans.override
    assert dialog is not None and "has no grade yet" in dialog.labelText()
    dialog.setTextValue("customer takes it back as is")
    dialog.accept()
    qtbot.waitUntil(lambda: "finished by override" in w.status.message.text(), timeout=5000)
    assert workflow.load_unit(rig.ctx, uid).stage == "finished"


def test_wedge_scan_and_the_entry_line(rig: Rig) -> None:
    w, qtbot = rig.window, rig.qtbot
    rig.scan("OP-1001")
    intake = w.scans.intake
    intake.entry.setFocus()
    QTest.keyClicks(intake.entry, "]C1010950600013435221SN77")
    QTest.keyClick(intake.entry, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(intake.entry, "10L5\r")
    qtbot.waitUntil(lambda: rig.outcomes[-1].action == "created", timeout=5000)
    assert rig.outcomes[-1].unit.identifiers == [("gs1", "(01)09506000134352(21)SN77")]
    assert intake.entry.text() == ""
    intake.entry.setText("c02xk1y8jg5h")  # typed by hand, then Enter
    QTest.keyClick(intake.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: rig.outcomes[-1].unit is not None and
                    rig.outcomes[-1].unit.fields["serial"] == "C02XK1Y8JG5H", timeout=5000)


def test_lot_scan_fills_the_batch_and_new_units_take_it(rig: Rig) -> None:
    w, qtbot = rig.window, rig.qtbot
    rig.scan("OP-1001")
    intake = w.scans.intake
    intake.batch_source.setText("ACME Returns")
    intake.batch_lot.setFocus()
    qtbot.waitUntil(intake.batch_lot.hasFocus, timeout=2000)
    assert rig.scan("LOT-2024-17").action == "lot"
    assert intake.batch_lot.text() == "LOT-2024-17"
    intake.entry.setFocus()
    o = rig.scan(IMEI)
    assert o.unit.fields["lot_ref"] == "LOT-2024-17" and o.unit.fields["source"] == "ACME Returns"


def test_intake_form_saves_with_ctrl_s(rig: Rig) -> None:
    w, qtbot = rig.window, rig.qtbot
    rig.scan("OP-1001")
    uid = rig.scan(IMEI).uid
    # The scan opens the unit and the flow moves on to Grade by itself; the technician goes back
    # with Escape to fill in the intake. Typing before that move raced it: the keys went to Grade.
    qtbot.waitUntil(lambda: w.progress is not None and w.tabs.currentIndex() != 0, timeout=5000)
    QTest.keyClick(w, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w.tabs.currentIndex() == 0, timeout=2000)
    intake = w.scans.intake
    intake.f_reason.setCurrentText("delivery refusal")
    intake.f_notes.setPlainText("scuffed corners")
    intake.f_lot.setFocus()
    QTest.keyClick(intake.f_lot, Qt.Key.Key_Tab)  # the capacity follows Lot/PO, by keyboard
    assert QApplication.focusWidget() is intake.f_capacity
    QTest.keyClicks(intake.f_capacity, "256gb")  # a burst the wedge filter holds until it is surely typing
    qtbot.waitUntil(lambda: intake.f_capacity.text() == "256gb", timeout=5000)
    QTest.keyClick(intake.f_capacity, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    def saved() -> None:  # on a timeout, pytest-qt raises this, so the failure shows what the station said
        assert "saved" in w.status.message.text(), w.status.message.text()

    qtbot.waitUntil(saved, timeout=5000)
    with rig.ctx.store.reader() as s:
        unit = s.execute(select(Unit).where(Unit.uid == uid)).scalar_one()
    assert (unit.return_reason, unit.condition_notes) == ("delivery refusal", "scuffed corners")
    assert unit.capacity == intake.f_capacity.text() == "256 GB"  # the SKU's third part, spelled one way
    assert intake.history.item(0, 0).text().startswith("Intake updated: capacity, condition notes, return reason by ")


def test_a_return_label_scanned_into_the_return_fields_fills_them_and_saves(rig: Rig) -> None:
    w, qtbot = rig.window, rig.qtbot
    rig.scan("OP-1001")
    uid = rig.scan(IMEI).uid
    intake = w.scans.intake
    qtbot.waitUntil(lambda: w.progress is not None and not intake.isVisible(), timeout=5000)
    QTest.keyClick(w, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # back to Intake: the unit opened at Grade
    qtbot.waitUntil(intake.isVisible, timeout=2000)
    intake.f_initiated.setFocus()
    qtbot.waitUntil(intake.f_initiated.hasFocus, timeout=2000)
    o = rig.scan("(00)340123450000000000(13)261102(3902)640")
    assert o.action == "return_label" and w.unit_uid == uid  # no unit opened for the parcel
    assert (intake.f_initiated.text(), intake.f_shipping.text()) == ("2026-11-02", "6.40")
    QTest.keyClick(intake.f_initiated, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "saved" in w.status.message.text(), timeout=5000)
    with rig.ctx.store.reader() as s:
        unit = s.execute(select(Unit).where(Unit.uid == uid)).scalar_one()
    assert (unit.return_initiated_on, unit.shipping_cost) == ("2026-11-02", 6.4)


def test_pin_sign_in_dialog(rig: Rig) -> None:
    w, qtbot = rig.window, rig.qtbot
    QTest.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(w.scans.signin, SignInDialog) and w.scans.signin.name.count() == 2,
                    timeout=5000)
    dialog = w.scans.signin
    dialog.name.setCurrentIndex(dialog.name.findData("Sam"))
    QTest.keyClicks(dialog.pin, "1111\r")
    qtbot.waitUntil(lambda: "name and PIN do not match" in dialog.error.text(), timeout=5000)
    assert dialog.pin.text() == ""
    QTest.keyClicks(dialog.pin, "2468\r")
    qtbot.waitUntil(lambda: w.status.operator.text() == "Sam (supervisor)", timeout=5000)
    assert rig.ctx.operator.is_supervisor
    w.activateWindow()  # the dialog had the focus; shortcuts belong to the active window
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    QTest.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: rig.ctx.operator is None, timeout=5000)


def test_demo_scanner_signs_in_and_takes_units_by_itself(qtbot, data_dir, tmp_path) -> None:
    ctx = open_station(data_dir, demo=True)
    devices = DeviceManager()
    sim = SimulatedScannerDriver(tmp_path / "sim" / "scanner", interval_s=0.05, seed=11)
    devices.register(sim)
    devices.scan()
    try:
        w = MainWindow(ctx, devices, demo=True)
        qtbot.addWidget(w)
        seen: list = []
        w.scans.handled.connect(seen.append)
        qtbot.waitUntil(lambda: any(o.action == "created" for o in seen), timeout=20000)
        assert seen[0].action == "signed_in" and seen[0].operator.name == "Demo Technician"
        assert w.scans.intake.recent.rowCount() == len(seen)
    finally:
        sim.stop()
        w.scans.serial.close()
        devices.close()
        if sim.scanner is not None:
            sim.scanner.close()
        ctx.close()

"""A technician's shift through the real main window: wedge scans and key presses only, against the
demo devices, every input counted. Each unit is then checked in the database: its grade, its six
photos, its wipe (sanitized, or held with the reason), its label printed and checked, stage Done.

The clean phone must take 20 inputs or fewer from its first scan to its checked label; the count
and the sequence are printed (`pytest -s`) and recorded in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import func, select

from station import clock, photos, steps, unit_media, units
from station.certs.result import CommandRecord
from station.devices.drive import discover, firmware_runner, probe
from station.devices.drive.facts import DriveFacts
from station.devices.drive.parsers import parse_file
from station.erase.drives import guarded_driver
from station.models import Certificate, Event, Photo, PrintJob, Unit, WipeJob
from station.sim.drives import SimDriveDriver
from station.ui.panels.grade import GradePanel
from station.ui.panels.intake import IntakePanel
from station.ui.panels.label import LabelPanel
from station.ui.panels.photos import PhotosPanel
from station.ui.panels.wipe import WipePanel
from station.ui.wipe_phone_target import PhoneTarget
from station.ui.wipe_targets import DriveTarget
from tests.erase import wipe_fixtures
from tests.erase.wipe_fixtures import Loop, MiB, only_ours

loops = wipe_fixtures.loops

pytestmark = pytest.mark.timeout(600)

CLEAN_PHONE = "490154203237518"  # demo Pixel, encrypted, no account: reset in recovery
LOCKED_PHONE = "356938035643809"  # demo Pixel still signed in to Google: the erase is refused (FRP)
CARD_PHONE = "353627074869010"  # demo Moto with a microSD card (demo bay 4 in a reader): one unit, two media
GAP_MS = 120  # scanner.wedge_max_gap_ms here; a person's keys come slower than twice that
PACE_MS = 2 * GAP_MS + 40
# power yes, glass flawless, display perfect, housing flawless, locks none, tests passed, battery good, liquid clean
ALL_GOOD = "11111111"


class Shift:
    def __init__(self, qtbot, window) -> None:  # type: ignore[no-untyped-def]
        self.qtbot, self.w = qtbot, window
        self.inputs: list[str] = []
        self.too_tall: list[str] = []  # steps at which the window no longer fits a 1280x800 screen

    def wait(self, condition, timeout: int = 20000) -> None:  # type: ignore[no-untyped-def]
        try:
            self.qtbot.waitUntil(condition, timeout=timeout)
        except Exception:
            w = self.w
            print("\nSTUCK after", self.inputs, "| unit", w.unit_uid, w.scans.intake.verdict.text(),
                  "| panel", w.tabs.currentWidget().title, "| progress", w.progress,
                  "| focus", QApplication.focusWidget(), "| modal", QApplication.activeModalWidget(),
                  "| status", w.status.message.text())
            raise

    def scan(self, text: str) -> None:
        """A keyboard-wedge scan: the characters in one fast burst and the scanner's Enter."""
        self.inputs.append(f"scan {text}")
        QTest.keyClicks(QApplication.focusWidget() or self.w, text + "\r")
        self.qtbot.wait(PACE_MS)

    def key(self, key: Qt.Key, name: str, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        """One key press (a chord counts once) at a person's pace, to whatever has the focus."""
        self.inputs.append(name)
        self.qtbot.wait(PACE_MS)
        QTest.keyClick(QApplication.focusWidget() or self.w, key, modifier)
        self.qtbot.wait(PACE_MS)

    def answer_dialog(self, key: Qt.Key, name: str, expect: str, shot: str = "") -> None:
        """The next dialog that opens (a modal question) gets `key`, as the technician would press it."""
        def press() -> None:
            modal = QApplication.activeModalWidget()
            if modal is None or expect not in " ".join(w.text() for w in modal.findChildren(type(self.w.banner))):
                QTimer.singleShot(100, press)
                return
            folder = os.environ.get("STATION_STEP_SHOTS")
            if shot and folder:  # the window with the question over it, as the technician sees it
                # Grabbed once the dialog is on screen and painted: grabbed as soon as it opened, a large dialog
                # (a drive's plan) was still a blank rectangle.
                QTest.qWaitForWindowExposed(modal)
                modal.repaint()
                QTimer.singleShot(400, lambda: grab_then_press(modal, folder))
                return
            self.inputs.append(name)
            QTest.keyClick(modal, key)

        def grab_then_press(modal: QWidget, folder: str) -> None:
            QApplication.processEvents()
            size = os.environ.get("STATION_STEP_SHOTS_SIZE", "")
            screen = self.w.screen().grabWindow(0)
            screen.save(str(Path(folder) / f"step-{shot}{'-' + size if size else ''}.png"))
            self.inputs.append(name)
            QTest.keyClick(modal, key)
        QTimer.singleShot(100, press)

    def count(self) -> int:
        return len(self.inputs)

    def snap(self, name: str) -> None:
        """With STATION_STEP_SHOTS=DIR (make screenshots, under Xvfb on xcb): the window at this step. Always:
        note a step whose content no longer fits a 1280x800 screen (a window grows to its minimum size)."""
        least = self.w.minimumSizeHint()
        if least.height() > 800 or least.width() > 1280:
            self.too_tall.append(f"{name}: {least.width()}x{least.height()}")
        folder = os.environ.get("STATION_STEP_SHOTS")
        if folder:
            size = os.environ.get("STATION_STEP_SHOTS_SIZE", "")  # e.g. 1920x1080: the window fills that screen
            if size and self.w.size().width() != int(size.split("x")[0]):
                self.w.resize(*(int(n) for n in size.split("x")))
            self.qtbot.wait(400)  # let the last change paint
            suffix = f"-{size}" if size else ""
            self.w.grab().save(str(Path(folder) / f"step-{name}{suffix}.png"))


def _db(w, uid: str) -> dict:  # type: ignore[no-untyped-def]
    with w.ctx.store.reader() as s:
        unit = units.by_uid(s, uid)
        finished = s.execute(select(Event.payload).where(Event.unit_id == unit.id, Event.kind == "unit.finished")
                             ).scalar()
        return {
            "grade": unit.sale_grade, "stage": unit.stage, "wipe": unit.wipe_status, "route": unit.route,
            "certificate": unit.certificate_id, "blocked": unit.blocked_reason,
            "photos": s.execute(select(func.count()).select_from(Photo).where(Photo.unit_id == unit.id)).scalar(),
            "printed": s.execute(select(func.count()).select_from(PrintJob).where(
                PrintJob.unit_id == unit.id, PrintJob.status == "printed")).scalar(),
            "label": steps.label_state(s, unit),
            "finished": json.loads(finished) if finished else None,
        }


def _photos(shift: Shift, snap: str = "") -> None:
    w = shift.w
    panel = w.panel(PhotosPanel)
    shift.wait(lambda: w.tabs.currentWidget() is panel)
    uid = w.unit_uid
    shots = len(photos.shot_list(w.ctx, uid))  # six for a phone, three for a drive
    shift.wait(lambda: panel.preview.frames_shown > 2 and panel.shots.count() >= shots, timeout=60000)
    if snap:
        shift.snap(snap)

    def missing() -> bool:
        return any(s.required and not s.taken for s in photos.shot_list(w.ctx, uid))

    while missing():
        before = panel.verdict.text()
        shift.key(Qt.Key.Key_Space, "Space (capture)")
        shift.wait(lambda b=before: not panel.busy and panel.verdict.text() != b)
        shift.qtbot.wait(500)  # the technician turns the phone for the next view
        assert len(shift.inputs) < 60, shift.inputs


def _phone(shift: Shift, imei: str, grade: str, *, blocked: bool, shots: str = "") -> str:
    w = shift.w

    def snap(name: str) -> None:
        if shots:
            shift.snap(f"{shots}-{name}")

    snap("0-intake")
    shift.scan(imei)
    shift.wait(lambda: w.unit_uid is not None and w.progress is not None and w.progress.stage == "grade")
    uid = w.unit_uid
    grade_panel = w.panel(GradePanel)
    shift.wait(lambda: w.tabs.currentWidget() is grade_panel and grade_panel.form is not None)
    snap("1-grade")
    for i, digit in enumerate(grade):
        shift.key(getattr(Qt.Key, f"Key_{digit}"), digit)
        if i == len(grade) - 2:
            snap("1-grade-answered")
    shift.wait(lambda: w.tabs.currentWidget() is w.panel(PhotosPanel))
    _photos(shift, f"{shots}-2-photos" if shots else "")

    wipe = w.panel(WipePanel)
    shift.wait(lambda: w.tabs.currentWidget() is wipe)

    def selected_imei() -> str:
        t = wipe.selected()
        return (t.identity.imei or "") if isinstance(t, PhoneTarget) and t.identity else ""

    shift.wait(lambda: selected_imei() == imei, timeout=60000)
    snap("3-wipe")
    shift.answer_dialog(Qt.Key.Key_Y, "Y (erase: yes)", "Erase ALL data", f"{shots}-3-wipe-question" if shots else "")
    if not blocked:
        shift.answer_dialog(Qt.Key.Key_Y, "Y (reset done in recovery)", "Reboot system now")
    shift.key(Qt.Key.Key_Return, "Enter (wipe)")
    _route_and_label(shift, uid, snap)
    snap("6-done")
    return uid


def _route_and_label(shift: Shift, uid: str, snap: Callable[[str], None] = lambda _name: None) -> None:
    """From the wiped unit to Done: Enter takes the offered route, the label prints by itself and is scanned back."""
    w = shift.w
    label = w.panel(LabelPanel)
    shift.wait(lambda: w.progress is not None and w.progress.stage == "route", timeout=180000)
    shift.wait(lambda: w.tabs.currentWidget() is label and label.route_box.routes.count() > 0
               and label.route_box.routes.hasFocus())
    snap("4-route")
    shift.key(Qt.Key.Key_Return, "Enter (route)")
    shift.wait(lambda: label.awaiting == uid, timeout=30000)  # printed by itself
    snap("5-label")
    shift.scan(uid)  # the printed label, scanned back
    shift.wait(lambda: w.progress is not None and w.progress.stage == "done")
    shift.wait(lambda: w.tabs.currentWidget() is w.panel(IntakePanel))


def _phone_and_card(shift: Shift, imei: str, card: Path) -> str:
    """A phone and its microSD card, one unit of two media: the phone tells its card's serial, so the card's row
    (a card reader) is the unit's too; each is wiped with its own plan and question, the card after the phone."""
    w = shift.w
    shift.scan(imei)
    shift.wait(lambda: w.unit_uid is not None and w.progress is not None and w.progress.stage == "grade")
    uid = w.unit_uid
    grade_panel = w.panel(GradePanel)
    shift.wait(lambda: w.tabs.currentWidget() is grade_panel and grade_panel.form is not None)
    for digit in ALL_GOOD:
        shift.key(getattr(Qt.Key, f"Key_{digit}"), digit)
    shift.wait(lambda: w.tabs.currentWidget() is w.panel(PhotosPanel))
    _photos(shift)
    wipe = w.panel(WipePanel)
    shift.wait(lambda: w.tabs.currentWidget() is wipe)
    shift.wait(lambda: isinstance(wipe.selected(), PhoneTarget) and wipe.selected().identity is not None
               and wipe.selected().identity.imei == imei and "2 media" in wipe.media_line.text(), timeout=60000)
    assert "microSD card" in wipe.media_line.text() and "not wiped yet" in wipe.media_line.text()
    shift.snap("card-3-wipe-two-media")
    shift.answer_dialog(Qt.Key.Key_Y, "Y (erase the phone: yes)", "Erase ALL data")
    shift.key(Qt.Key.Key_Return, "Enter (wipe the phone)")
    # The phone done, its card is selected next: the flow stays on Wipe until every medium is done.
    shift.wait(lambda: isinstance(wipe.selected(), DriveTarget) and wipe.selected().drive.path == str(card),
               timeout=120000)
    assert w.progress is not None and w.progress.stage == "wipe"
    shift.snap("card-3-wipe-next-medium")
    shift.answer_dialog(Qt.Key.Key_Y, "Y (erase the card: yes)", "Erase ALL data")
    shift.key(Qt.Key.Key_Return, "Enter (wipe the card)")
    _route_and_label(shift, uid)
    return uid


def test_a_shift_of_phones_by_scans_and_keys(qtbot, make_window, data_dir) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    # No self-driving demo scanner: the scans here are the technician's, through the keyboard wedge.
    (data_dir / "station.toml").write_text(f'[scanner]\nport = "none"\nwedge_max_gap_ms = {GAP_MS}\n')
    bays = SimDriveDriver(data_dir, bays=4, size=4 * MiB)  # small bays, made before the window
    card = bays.folder / "bay4.img"  # the demo Moto's microSD card, in a card reader
    card.write_bytes(os.urandom(4 * MiB))
    w = make_window(data_dir)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    qtbot.waitUntil(lambda: w.status.device_labels["phone"].text() == "Phones: 3", timeout=30000)
    shift = Shift(qtbot, w)
    shift.scan("OP-0001")  # sign in: once per shift, not counted for a unit
    qtbot.waitUntil(lambda: w.ctx.operator is not None, timeout=10000)

    started = time.monotonic()
    shift.inputs.clear()
    clean = _phone(shift, CLEAN_PHONE, ALL_GOOD, blocked=False, shots="phone")
    clean_inputs = list(shift.inputs)
    print(f"\nclean phone: {len(clean_inputs)} inputs in {time.monotonic() - started:.0f} s: "
          + " · ".join(clean_inputs))
    got = _db(w, clean)
    assert got["grade"] and got["photos"] == 6 and got["wipe"] == "sanitized" and got["certificate"]
    assert got["printed"] == 1 and got["label"] == "checked" and got["stage"] == "finished"
    assert got["finished"]["label"] == "label checked"
    assert len(clean_inputs) <= 20, clean_inputs

    started = time.monotonic()
    shift.inputs.clear()
    locked = _phone(shift, LOCKED_PHONE, ALL_GOOD, blocked=True, shots="locked")
    print(f"locked phone: {len(shift.inputs)} inputs in {time.monotonic() - started:.0f} s: "
          + " · ".join(shift.inputs))
    got = _db(w, locked)
    assert got["grade"] and got["photos"] == 6 and got["wipe"] != "sanitized"
    assert got["blocked"] and "Google" in got["blocked"]  # held, with the reason
    assert got["route"] in ("hold", "harvest_parts", "recycle", "return_to_customer")
    assert got["printed"] == 1 and got["label"] == "checked" and got["stage"] == "finished"

    started = time.monotonic()
    shift.inputs.clear()
    both = _phone_and_card(shift, CARD_PHONE, card)
    print(f"phone and its card: {len(shift.inputs)} inputs in {time.monotonic() - started:.0f} s: "
          + " · ".join(shift.inputs))
    got = _db(w, both)
    assert got["grade"] and got["photos"] == 6 and got["wipe"] == "sanitized" and got["certificate"]
    assert got["printed"] == 1 and got["label"] == "checked" and got["stage"] == "finished"
    with w.ctx.store.reader() as s:
        media = unit_media.media(s, units.by_uid(s, both))
    assert [(m.label.split()[0], m.sanitized) for m in media] == [("phone", True), ("microSD", True)], media
    with w.ctx.store.reader() as s:  # the unit's certificate: sanitized, naming both media with their own wipes
        cert = json.loads(Path(s.get(Certificate, got["certificate"]).json_path).read_text())["certificate"]
    assert cert["sanitized"] and cert["unit"]["all_media_sanitized"]
    assert [(m["medium"].split()[0], m["status"], m["method"]) for m in cert["unit"]["media"]] == [
        ("phone", "sanitized", "factory-reset"), ("microSD", "sanitized", "clear")], cert["unit"]["media"]
    assert card.read_bytes() == bytes(4 * MiB)  # the card overwritten by the worker, read back here
    # Every step fits a 1280x800 screen: the Label panel grew the window to 880 px once its label was checked.
    assert shift.too_tall == []


# -- drives: a laptop's disk overwritten, a bare SSD purged by its own firmware ---------------------------------------
NO_MOD = Qt.KeyboardModifier.NoModifier
ALL_PASSED = "11111"  # detected, enclosure clean, connector good, SMART passed, full write passed


class MX100Firmware:
    """The Crucial MX100's own answers (hdparm -I from the drive corpus) to the station's commands, and what its
    SANITIZE CRYPTO SCRAMBLE does to the media: no peer runs ATA SANITIZE, so the loop device stands in for the
    flash and this for the firmware. Every other drive gets the loop device's real answer: unsupported."""

    def __init__(self, loop: Loop, identify: str) -> None:
        self.loop, self.identify = loop, identify
        self.sent: list[list[str]] = []
        self.scrambled = False

    def answer(self, argv: list[str]) -> tuple[int, str]:
        if self.loop.path not in argv:
            return 1, "SG_IO: bad/missing sense data"
        self.sent.append(list(argv))
        sectors = self.loop.size // 512
        if argv[:2] == ["hdparm", "-I"]:
            return 0, self.identify
        if argv[:2] == ["hdparm", "-N"]:
            return 0, f"\n{self.loop.path}:\n max sectors   = {sectors}/{sectors}, HPA is disabled\n"
        if argv[:2] == ["hdparm", "--dco-identify"]:
            return 0, f"DCO Revision: 0x0001\nReal max sectors: {sectors}\n"
        if "--sanitize-crypto-scramble" in argv:
            return 0, "Issuing SANITIZE"
        if "--sanitize-status" in argv:
            if not self.scrambled:
                self.scrambled = True
                with open(self.loop.path, "r+b", buffering=0) as disk:  # the firmware changes every key
                    for off in range(0, self.loop.size, MiB):
                        disk.seek(off)
                        disk.write(os.urandom(min(MiB, self.loop.size - off)))
                    os.fsync(disk.fileno())
                return 0, ("Sanitize status:\n    State:    SD2 Sanitize operation In Process\n"
                           "    Progress: 0x8000 (50%)\n")
            return 0, ("Sanitize status:\n    State:    SD0 Sanitize Idle\n"
                       "    Last Sanitize Operation Completed Without Error\n")
        return 1, "SG_IO: bad/missing sense data"


def _drive_unit(shift: Shift, serial: str, method_keys: list[tuple[Qt.Key, str, Qt.KeyboardModifier]],
                shots: str) -> str:
    """A drive from its serial scan to its checked label: grade, photos, the wipe with the plan shown, route, label."""
    w = shift.w
    shift.snap(f"{shots}-0-intake")
    shift.scan(serial)
    shift.wait(lambda: w.unit_uid is not None and w.progress is not None and w.progress.stage == "grade")
    uid = w.unit_uid
    grade_panel = w.panel(GradePanel)
    shift.wait(lambda: w.tabs.currentWidget() is grade_panel and grade_panel.form is not None)
    shift.snap(f"{shots}-1-grade")
    for digit in ALL_PASSED:
        shift.key(getattr(Qt.Key, f"Key_{digit}"), digit)
    shift.wait(lambda: w.tabs.currentWidget() is w.panel(PhotosPanel))
    _photos(shift, f"{shots}-2-photos")
    wipe = w.panel(WipePanel)
    shift.wait(lambda: w.tabs.currentWidget() is wipe)
    shift.wait(lambda: isinstance(wipe.selected(), DriveTarget) and wipe.selected().drive.facts.serial == serial)
    for key, name, modifier in method_keys:
        shift.key(key, name, modifier)
    shift.snap(f"{shots}-3-wipe")
    shift.answer_dialog(Qt.Key.Key_Y, "Y (erase: yes)", "Erase ALL data", f"{shots}-3-wipe-plan")
    shift.key(Qt.Key.Key_Return, "Enter (wipe)")
    label = w.panel(LabelPanel)
    shift.wait(lambda: w.progress is not None and w.progress.stage == "route", timeout=120000)
    shift.snap(f"{shots}-4-route")
    shift.wait(lambda: w.tabs.currentWidget() is label and label.route_box.routes.count() > 0
               and label.route_box.routes.hasFocus())
    shift.key(Qt.Key.Key_Return, "Enter (route)")
    shift.wait(lambda: label.awaiting == uid, timeout=30000)
    shift.snap(f"{shots}-5-label")
    shift.scan(uid)
    shift.wait(lambda: w.progress is not None and w.progress.stage == "done")
    shift.snap(f"{shots}-6-done")
    return uid


def test_a_bare_ssd_purged_through_the_gui(qtbot, make_window, data_dir, loops, tmp_path, monkeypatch,
                                          corpus) -> None:
    """A bare SSD on a loop device that the station has Purge itself: the plan asks the drive, the drive answers
    as the Crucial MX100 of the corpus does, and its SANITIZE scrambles the loop device. (An overwrite through
    the GUI, read back, is the phone's microSD card's in the shift of phones.)"""
    mx100 = corpus / "hdparm" / "Crucial__Crucial_CT512MX100SSD1__1.txt"
    ssd = loops(8 * MiB, seed=8)
    firmware = MX100Firmware(ssd, mx100.read_text())
    ssd_facts = parse_file(mx100)
    monkeypatch.setattr(probe, "tool_facts", lambda path, _bus: ssd_facts if path == ssd.path else DriveFacts())
    monkeypatch.setattr(firmware_runner.CommandRunner, "run", lambda runner, argv, _timeout=60.0: _record(
        runner, argv, *firmware.answer(list(argv))))
    discover._ENRICH_CACHE.clear()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "station.toml").write_text(f'[scanner]\nport = "none"\nwedge_max_gap_ms = {GAP_MS}\n')
    SimDriveDriver(data_dir, bays=4, size=4 * MiB)  # small bays, made before the window
    w = make_window(data_dir)
    w.devices.register(guarded_driver(w.ctx.data.root, include=only_ours(tmp_path)))
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    wipe = w.panel(WipePanel)
    wipe.rescan()
    qtbot.waitUntil(lambda: any(isinstance(t, DriveTarget) and t.drive.path == ssd.path for t in wipe.model.targets),
                    timeout=30000)
    shift = Shift(qtbot, w)
    shift.scan("OP-0001")
    qtbot.waitUntil(lambda: w.ctx.operator is not None, timeout=10000)

    shift.inputs.clear()
    # Alt+M reaches the method box, P picks "purge"; the plan (the drive's own commands) is in the question.
    purged = _drive_unit(shift, ssd_facts.serial or "", [
        (Qt.Key.Key_M, "Alt+M", Qt.KeyboardModifier.AltModifier), (Qt.Key.Key_P, "P (purge)", NO_MOD)], "ssd")
    print(f"bare SSD (firmware Purge): {len(shift.inputs)} inputs: " + " · ".join(shift.inputs))
    got = _db(w, purged)
    assert got["grade"] and got["photos"] == 2 and got["wipe"] == "sanitized" and got["certificate"]
    assert got["printed"] == 1 and got["label"] == "checked" and got["stage"] == "finished"
    with w.ctx.store.reader() as s:
        job = s.execute(select(WipeJob).join(Unit).where(Unit.uid == purged)).scalar_one()
    assert job.method == "purge" and job.status == "FINISHED", job.reason
    assert any("--sanitize-crypto-scramble" in argv for argv in firmware.sent)
    assert ssd.read_backing() != ssd.expected_fill()  # the firmware scrambled it; the station wrote nothing


def _record(runner: firmware_runner.CommandRunner, argv: list[str], code: int, output: str) -> CommandRecord:
    rec = CommandRecord(runner.mask(argv), code, output, clock.iso(), 0.01)
    runner.records.append(rec)
    return rec

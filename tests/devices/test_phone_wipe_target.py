"""Phones as Wipe panel rows: the target runs the erase in its own thread, questions come to the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from station.devices.manager import DeviceManager
from station.devices.phone.driver import PhoneDriver
from station.sim.adb_rig import AdbRig
from station.ui.prompt import QtPrompt
from station.ui.wipe_model import WipeTableModel
from station.ui.wipe_phone_target import PhoneTarget, sync_phone_rows

pytestmark = pytest.mark.timeout(90)


def _rows(rig: AdbRig) -> tuple[DeviceManager, WipeTableModel]:
    manager = DeviceManager()
    manager.register(PhoneDriver(rig.client))
    manager.scan("phone")
    model = WipeTableModel()
    sync_phone_rows(manager, model)
    return manager, model


def _target(model: WipeTableModel, serial: str) -> PhoneTarget:
    target = model.target(model.row_of(serial))
    assert isinstance(target, PhoneTarget)
    return target


@pytest.mark.usefixtures("qtbot")
def test_rows_show_state_and_only_ready_phones_are_eligible(rig: AdbRig) -> None:
    ok, locked = rig.add("clean-fbe"), rig.add("unauthorized")
    manager, model = _rows(rig)
    assert model.rowCount() == 2
    assert _target(model, ok.serial).eligible()
    assert _target(model, ok.serial).facts().guard == "ready: factory reset"
    refused = _target(model, locked.serial)
    assert not refused.eligible() and "Accept the USB debugging prompt" in refused.facts().guard
    locked.unplug()
    rig.client.disconnect(locked.serial)
    manager.scan("phone")
    sync_phone_rows(manager, model)
    assert model.rowCount() == 1  # gone, with nothing to report: the row goes


def test_guided_reset_asks_the_technician_in_the_gui_thread(qtbot, rig: AdbRig, fast) -> None:
    phone = rig.add("clean-fbe")
    _manager, model = _rows(rig)
    target = _target(model, phone.serial)
    gui = threading.current_thread()
    asked: list[str] = []

    def technician(kind: str, text: str, _options: list[str]) -> Any:
        assert threading.current_thread() is gui  # dialogs only ever open in the GUI thread
        asked.append(kind)
        if kind == "confirm" and "Wipe data/factory reset" in text:
            phone.recovery_select("wipe_data")
            phone.recovery_select("reboot")
            return True
        if kind == "choose":
            phone.enable_usb_debugging()
            return 0
        raise AssertionError(text)

    target.prompt.answer = technician
    target.start(fast, "clear", "sample")  # the drive choices do not apply to a phone
    assert target.snapshot().running and target.facts().guard.startswith("erasing")
    qtbot.waitUntil(lambda: not target.running(), timeout=60000)
    assert target.error is None, target.error
    assert target.needs_finish() and not target.needs_finish()  # claimed once
    finished = target.finish(fast)
    assert finished.result.sanitized and finished.unit_uid and Path(finished.certificate_json).is_file()
    assert target.snapshot().result == "SANITIZED · certificate issued"
    assert asked == ["confirm", "choose"]


def test_blocked_phone_shows_the_reason_in_its_row(qtbot, rig: AdbRig, fast) -> None:
    phone = rig.add("fbe-google")
    _manager, model = _rows(rig)
    target = _target(model, phone.serial)
    target.start(fast, "clear", "sample")
    qtbot.waitUntil(lambda: not target.running(), timeout=30000)
    snap = target.snapshot()
    assert snap.level == "error" and snap.result.startswith("BLOCKED: Google Pixel 6a")
    assert "Factory Reset Protection" in snap.result and not target.needs_finish()


@pytest.mark.usefixtures("qtbot")
def test_bridge_answers_directly_on_the_gui_thread() -> None:
    bridge = QtPrompt()
    bridge.answer = lambda kind, _text, _options: {"confirm": True, "choose": 1, "text": "x", "photo": "/p.jpg"}[kind]
    assert bridge.confirm("?") is True and bridge.choose("?", ["a", "b"]) == 1
    assert bridge.ask_text("?") == "x" and bridge.photo("?") == Path("/p.jpg")

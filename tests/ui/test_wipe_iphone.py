"""iPhones in the Wipe panel and the status bar, through the unmodified pymobiledevice3 and the simulated usbmuxd."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from station.context import StationContext
from station.devices.manager import DeviceManager
from station.devices.phone.ios_driver import IPhoneDriver
from station.sim.ios_usbmuxd import SimulatedUsbmuxd
from station.ui.ops import Changes
from station.ui.panels.wipe import WipePanel
from station.ui.status import StatusBar
from station.ui.wipe_iphone_target import IPhoneTarget
from station.ui.wipe_model import COLUMNS

pytestmark = pytest.mark.timeout(120)
WAIT = 60000


@pytest.fixture
def muxd(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedUsbmuxd]:
    with SimulatedUsbmuxd() as server:
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", server.address)
        yield server


def _text(panel: WipePanel, row: int, column: str) -> str:
    return str(panel.model.data(panel.model.index(row, COLUMNS.index(column))))


def _row(panel: WipePanel, udid: str) -> int:
    return panel.model.row_of(udid)


def test_iphones_get_rows_are_counted_and_enter_erases_the_ready_one(qtbot, ctx: StationContext,  # type: ignore[no-untyped-def]
                                                                     muxd: SimulatedUsbmuxd) -> None:
    for key, value in {"phone.poll_interval_s": 0.05, "phone.reset_timeout_s": 20.0}.items():
        ctx.config.set(key, value)
    clean, owned = muxd.add("iphone12"), muxd.add("iphone12-activation-lock")
    manager = DeviceManager()
    manager.register(IPhoneDriver(ctx.data.root / "pairing"))
    manager.scan()
    status = StatusBar(ctx, manager, demo=False)
    qtbot.addWidget(status)
    assert status.device_labels["phone"].text() == "Phones: 2"
    messages: list[str] = []
    Changes.hub().message.connect(lambda level, text: messages.append(f"{level}: {text}"))
    panel = WipePanel(ctx, manager)
    asked: list[str] = []
    panel.confirm = lambda question: asked.append(question) or True  # type: ignore[method-assign]
    qtbot.addWidget(panel)
    with qtbot.waitActive(panel):
        panel.show()
        panel.activateWindow()
    panel.activated()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=WAIT)
    assert all(isinstance(t, IPhoneTarget) for t in panel.model.targets)
    row = _row(panel, clean.udid)
    assert _text(panel, row, "Model") == "iPhone 12" and _text(panel, row, "Serial") == "F2LDK3XYN6Y1"
    assert _text(panel, row, "Size") == "128 GB" and _text(panel, row, "IMEI") == "356728113456780"
    assert _text(panel, row, "Guard") == "ready: erase all content and settings"
    assert "2 phones" in panel.summary.text()

    panel.table.setFocus()
    panel.table.selectRow(row)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _text(panel, _row(panel, clean.udid), "Result").startswith("SANITIZED"), timeout=WAIT)
    assert asked and "Erase All Content and Settings" in asked[0]
    assert clean.lockdownd.model.erase.erased == 1

    # Activation Lock: it looks ready (trusted), but the pre-check refuses it and the row says why
    row = _row(panel, owned.udid)
    panel.table.selectRow(row)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _text(panel, _row(panel, owned.udid), "Result").startswith("BLOCKED"), timeout=WAIT)
    assert "Activation Lock" in _text(panel, _row(panel, owned.udid), "Result")
    assert owned.lockdownd.model.erase.erased == 0


@pytest.mark.usefixtures("qtbot")
def test_a_locked_untrusted_iphone_row_says_what_to_do_and_is_not_eligible() -> None:  # type: ignore[no-untyped-def]
    from station.devices.phone.ios import ListedIPhone
    from station.devices.phone.ios_driver import device_info

    target = IPhoneTarget(device_info(ListedIPhone("00008030-001A2B3C4D5E004E", "passcode", "USB")))
    assert not target.eligible()
    assert target.facts().guard.startswith("passcode: The iPhone is locked with a passcode")
    assert target.matches({"00008030-001A2B3C4D5E004E"})


def test_no_usbmuxd_lists_no_iphones_without_loading_the_client(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", str(tmp_path / "no-usbmuxd"))
    assert IPhoneDriver(tmp_path / "pairing").enumerate() == []
    assert not (tmp_path / "pairing").exists()  # returned before anything was asked or made


def test_managed_dropping_and_swapped_iphones_reach_their_outcomes_in_the_panel(  # type: ignore[no-untyped-def]
        qtbot, ctx: StationContext, muxd: SimulatedUsbmuxd) -> None:
    """The scenarios the CLI tests play, through the rows a technician sees: a managed iPhone is refused, one that
    drops off the bus mid-erase is followed back and certified, one that comes back as another device is not."""
    for key, value in {"phone.poll_interval_s": 0.05, "phone.reset_timeout_s": 20.0}.items():
        ctx.config.set(key, value)
    managed, dropping = muxd.add("iphone13-supervised"), muxd.add("iphone12-drops")
    swapped = muxd.add("iphone12-swapped")
    manager = DeviceManager()
    manager.register(IPhoneDriver(ctx.data.root / "pairing"))
    manager.scan()
    panel = WipePanel(ctx, manager)
    panel.confirm = lambda _question: True  # type: ignore[method-assign]
    qtbot.addWidget(panel)
    with qtbot.waitActive(panel):
        panel.show()
        panel.activateWindow()
    panel.activated()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=WAIT)
    panel.table.setFocus()
    for phone in (managed, dropping, swapped):
        panel.table.selectRow(_row(panel, phone.udid))
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)

    def result(phone) -> str:  # type: ignore[no-untyped-def]
        row = _row(panel, phone.udid)
        return _text(panel, row, "Result") if row >= 0 else ""

    qtbot.waitUntil(lambda: result(managed).startswith("BLOCKED") and result(dropping).startswith("SANITIZED")
                    and result(swapped).startswith("FINISHED"), timeout=WAIT)
    assert result(managed).startswith("BLOCKED") and "device management" in result(managed)
    assert managed.lockdownd.model.erase.erased == 0
    assert result(dropping).startswith("SANITIZED")
    assert result(swapped).startswith("FINISHED (not certifiable)") and "F2LDK3XYN6Y6" in result(swapped)

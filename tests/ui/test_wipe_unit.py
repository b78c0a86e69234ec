"""The Wipe panel is about the open unit: its phone is selected (found by IMEI), rows show the IMEI
and serial number, the progress column keeps its width, and the selected row reads in full."""

from __future__ import annotations

from station import units
from station.ui.panels.wipe import RESULT_WORD, WipePanel
from station.ui.wipe_model import COLUMNS, PROGRESS_WIDTH
from station.ui.wipe_phone_target import PhoneTarget

CLEAN_PHONE_IMEI = "490154203237518"  # the demo's clean Pixel


def test_the_open_units_phone_is_selected_with_its_imei_and_serial(qtbot, make_window, data_dir) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')
    w = make_window(data_dir)
    w.show()
    with w.ctx.store.session() as s:
        uid = units.create(s, w.ctx.actor, {"imei": CLEAN_PHONE_IMEI}, device_class="phone").uid
    w.set_unit(uid)
    panel = w.panel(WipePanel)
    w.show_panel(w.panels.index(panel))

    def selected_imei() -> str:
        t = panel.selected()
        return (t.identity.imei or "") if isinstance(t, PhoneTarget) and t.identity else ""

    qtbot.waitUntil(lambda: selected_imei() == CLEAN_PHONE_IMEI, timeout=30000)
    row = panel.model.row_of(panel.selected().id)
    texts = [panel.model.index(row, c).data() for c in range(len(COLUMNS))]
    assert texts[COLUMNS.index("IMEI")] == CLEAN_PHONE_IMEI
    assert texts[COLUMNS.index("Serial")] == "DEMO-PIXEL-01"  # the phone's own serial, not 127.0.0.1:port
    assert CLEAN_PHONE_IMEI in panel.detail.text() and "DEMO-PIXEL-01" in panel.detail.text()
    assert panel.table.horizontalHeader().sectionSize(COLUMNS.index("Progress")) == PROGRESS_WIDTH
    asked: list[str] = []
    panel.confirm = lambda q: asked.append(q) or False  # the technician says no
    assert panel.handle_command("WIPE", None)  # CMD:WIPE was documented but refused by the panel
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=10000)
    assert "Pixel" in asked[0]
    # A phone's plan is shown before the question, as a drive's is: the reset's steps and why.
    assert "Runs: factory-reset" in asked[0] and "account lock" in asked[0] and "Purge" in asked[0]
    assert "Runs: factory-reset" in panel.detail.text()
    assert not panel.selected().snapshot().running  # "no": nothing started


def test_the_result_column_stays_on_screen_at_1280_px(qtbot, make_window, data_dir) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')
    w = make_window(data_dir)
    w.resize(1280, 800)
    w.show()
    panel = w.panel(WipePanel)
    w.show_panel(w.panels.index(panel))
    qtbot.waitUntil(lambda: panel.model.rowCount() >= 7, timeout=30000)  # four bays and three phones
    qtbot.waitUntil(lambda: any(isinstance(t, PhoneTarget) and t.identity for t in panel.model.targets),
                    timeout=30000)  # the IMEI column filled: the widest the table gets
    panel.fit_columns()
    header, view = panel.table.horizontalHeader(), panel.table.viewport()
    result = COLUMNS.index("Result")
    right = header.sectionViewportPosition(result) + header.sectionSize(result)
    assert header.sectionViewportPosition(result) >= 0 and right <= view.width()
    assert header.sectionSize(result) >= panel.table.fontMetrics().horizontalAdvance(RESULT_WORD)
    assert header.sectionSize(COLUMNS.index("Progress")) == PROGRESS_WIDTH
    assert not panel.table.horizontalScrollBar().isVisible()


def test_purge_and_auto_from_the_gui_with_the_plan_shown_first(qtbot, data_dir) -> None:  # type: ignore[no-untyped-def]
    import os

    from PySide6.QtCore import Qt

    from station.sim.drives import SimDriveDriver
    from station.ui.app import create_window
    from station.ui.wipe_targets import DriveTarget

    mib = 1 << 20
    bays = data_dir / "sim-bays"
    SimDriveDriver(data_dir, bays=4, size=4 * mib)  # small bays, made before the window
    (bays / "bay1.img").write_bytes(os.urandom(4 * mib))
    w = create_window(data_dir, demo=True)
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    panel = w.panel(WipePanel)
    w.show_panel(w.panels.index(panel))
    methods = [panel.method_box.itemText(i) for i in range(panel.method_box.count())]
    assert "purge" in methods and "auto" in methods and "clear" in methods
    qtbot.waitUntil(lambda: any(isinstance(t, DriveTarget) for t in panel.model.targets), timeout=10000)
    row = next(i for i, t in enumerate(panel.model.targets) if isinstance(t, DriveTarget) and t.facts().port == "bay 1")
    panel.table.selectRow(row)
    asked: list[str] = []
    panel.confirm = lambda q: asked.append(q) or True  # the technician says yes to what was shown

    panel.method_box.setCurrentText("purge")
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Refused" in panel.detail.text(), timeout=10000)
    assert asked == []  # refused before any question: nothing started
    assert not panel.selected().snapshot().running

    panel.method_box.setCurrentText("auto")
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=10000)
    assert "No Purge on this drive" in asked[0] and "Runs: clear" in asked[0]  # the plan, before the yes
    target = panel.selected()
    qtbot.waitUntil(lambda: target.snapshot().result.startswith("SANITIZED"), timeout=60000)
    assert (bays / "bay1.img").read_bytes() == bytes(4 * mib)
    w.devices.close()
    w.ctx.close()

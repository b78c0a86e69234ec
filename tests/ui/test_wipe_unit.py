"""The Wipe panel is about the open unit: its phone is selected (found by IMEI), rows show the IMEI
and serial number, the progress column keeps its width, and the selected row reads in full."""

from __future__ import annotations

from station import units
from station.ui.panels.wipe import WipePanel
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

"""A layout that asks for native ZPL: ZPL printers get text and barcode commands at the
layout's positions; an ESC/POS printer still gets the exact bitmap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from station.context import StationContext
from station.devices.printer.session import session_for_spec
from station.labels import layout, queue
from station.labels.zpl_native import _field_data, native_job
from station.models import Event
from station.sim.printer import SimPrinterServer
from tests.labels.helpers import SAMPLE, make_unit, same_pixels


def _native_layout(folder: Path) -> None:
    text = (layout.SHIPPED / "62x29mm.toml").read_text().replace('dpi = 300', 'dpi = 203\nnative_zpl = true')
    (folder / "62x29mm.toml").write_text(text)


def test_native_job_places_printer_barcodes(tmp_path: Path) -> None:
    _native_layout(tmp_path)
    lay = layout.find("62x29mm", str(tmp_path))
    job = native_job(lay, SAMPLE, 203).decode()
    assert job.startswith("^XA^CI28^PW488^LL232") and job.endswith("^XZ\r\n")
    uid = SAMPLE["uid"]
    for command in ("^BCN,", "^BQN,2,", "^BXN,", "^BY2,3,", f"^FDMA,{uid}^FS", f"^FD{uid}^FS", "^FR"):
        assert command in job
    assert "^GFA" not in job
    assert _field_data("a^b~c_d") == "a_5Eb_7Ec_5Fd"


@pytest.mark.timeout(30)
def test_zpl_printer_gets_native_commands_escpos_gets_the_bitmap(ctx: StationContext, tmp_path: Path) -> None:
    _native_layout(tmp_path)
    ctx.config.set("label.layout_dir", str(tmp_path))
    uid = make_unit(ctx)
    zpl_srv, escpos_srv = SimPrinterServer("zpl"), SimPrinterServer("escpos")
    try:
        queue.print_unit(ctx, session_for_spec(zpl_srv.spec, ctx.config), uid, "62x29mm")
        raw = zpl_srv.wait_for_jobs(1)[0].raw
        assert f"^FD{uid}^FS".encode() in raw and b"^GFA" not in raw
        escpos = session_for_spec(escpos_srv.spec, ctx.config)
        queue.print_unit(ctx, escpos, uid, "62x29mm")
        preview = queue.render_unit(ctx, uid, "62x29mm", escpos.dpi)
        assert same_pixels(escpos_srv.wait_for_jobs(1)[0].images[0], preview.image)
    finally:
        zpl_srv.stop()
        escpos_srv.stop()
    with ctx.store.reader() as s:
        printed = [json.loads(p) for p in s.execute(select(Event.payload).where(Event.kind == "label.printed")
                                                    .order_by(Event.seq)).scalars()]
    assert [p.get("native_zpl", False) for p in printed] == [True, False]

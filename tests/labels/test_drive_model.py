"""A drive scanned in by its serial gets its model from the drive when its wipe starts, so its label's model
line names the drive instead of printing "-"."""

from __future__ import annotations

from station import units
from station.context import StationContext
from station.erase import ledger
from station.labels import fields, layout
from station.wipe_record import JobKind, WipeStarted

MODEL = "Crucial CT512MX100SSD1"


def _start(ctx: StationContext, serial: str, model: str = MODEL, unit_uid: str | None = None) -> str:
    return ledger.record_start(ctx, WipeStarted(job_id=f"J-{serial}", kind=JobKind.OVERWRITE, device="/dev/loop9",
                                                serial=serial, method="zero", verify="full", model=model,
                                                size_bytes=8 << 20, bus="ata"), unit_uid=unit_uid, make="ATA")


def test_a_drive_scanned_in_by_serial_prints_its_model_on_the_label(ctx: StationContext) -> None:
    with ctx.store.session() as s:
        uid = units.create(s, ctx.actor, {"serial": "14330CEF1CD1"}, device_class="drive").uid
    assert _start(ctx, "14330CEF1CD1", unit_uid=uid) == uid
    with ctx.store.reader() as s:
        values = fields.gather(s, units.by_uid(s, uid), station="bench-1")
    assert values["model"] == MODEL  # the drive's model, not its bus vendor ("ATA")
    model_line = next(el.text for el in layout.find("2x1in").elements if "{model}" in el.text)
    assert fields.line(model_line, values) == MODEL  # was "-"


def test_a_units_own_model_is_kept_and_a_medium_does_not_rename_its_holder(ctx: StationContext) -> None:
    with ctx.store.session() as s:
        laptop = units.create(s, ctx.actor, {"serial": "LAPTOP-1"}, device_class="laptop", model="ThinkPad T480")
        other = units.create(s, ctx.actor, {"serial": "LAPTOP-2"}, device_class="laptop").uid
        named = laptop.uid
    _start(ctx, "LAPTOP-1", model="Samsung SSD 860", unit_uid=named)  # its serial, but it has a model already
    _start(ctx, "DRIVE-IN-LAPTOP-2", unit_uid=other)  # a drive wiped for a unit with another serial
    with ctx.store.reader() as s:
        assert units.by_uid(s, named).model == "ThinkPad T480"
        assert units.by_uid(s, other).model is None

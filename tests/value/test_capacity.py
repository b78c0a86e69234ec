"""The SKU is make + model + capacity: capacity typed at intake reaches the hub's events, and the
station prices a unit with its own capacity's band, falling back to the model's capacity-less band.
A drive that is the unit gives its capacity from its size (phones: tests/devices/test_phone_wipe.py
and test_ios_erase.py; the Intake panel's field: tests/ui/test_intake.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from station import disposition, units, workflow
from station.devices.drive import discover
from station.devices.phone.identity import parse_df
from station.disposition_gates import facts_for
from station.erase import ledger
from station.models import Event
from station.value import bands, capacity
from station.wipe_record import JobKind, WipeStarted

ROW = ["B+", "wholesale_auction", 9]
DOC = {"version": "1", "currency": "USD", "window_days": 365, "min_sales": 5, "discounts": [],
       "columns": list(bands.COLUMNS), "models": [
           {"make": "Apple", "model": "iPhone 13", "capacity": "128GB", "stage": None, "tier": None,
            "bands": [[*ROW, 300.0, 320.0, 340.0, 300.0, 320.0, 340.0, None]]},
           {"make": "Apple", "model": "iPhone 13", "capacity": "512GB", "stage": None, "tier": None,
            "bands": [[*ROW, 450.0, 480.0, 500.0, 450.0, 480.0, 500.0, None]]},
           {"make": "Apple", "model": "iPhone 13", "capacity": "", "stage": None, "tier": None,
            "bands": [[*ROW, 330.0, 350.0, 400.0, 330.0, 350.0, 400.0, None]]}]}


def test_capacity_typed_at_intake_picks_its_own_band_and_a_unit_without_one_the_models(ctx) -> None:
    pricing = disposition.Pricing(bands.parse(json.dumps(DOC), "pushed"))
    uids = []
    for serial in ("CAP-1", "CAP-2", "CAP-3"):
        with ctx.store.session() as s:
            u = units.create(s, ctx.actor, {"serial": serial}, device_class="phone", model="iPhone 13", make="Apple")
            units.touch(u, sale_grade="B+")
            uids.append(u.uid)
    workflow.save_intake(ctx, uids[0], {"capacity": "512 GB"})
    workflow.save_intake(ctx, uids[1], {"capacity": "128gb"})
    medians = []
    with ctx.store.reader() as s:
        for uid in uids:
            f = facts_for(s, units.by_uid(s, uid))  # type: ignore[arg-type]
            band = pricing.band(f, "wholesale_auction")
            medians.append(band.median if band else None)
        changed = [json.loads(p)["changed"] for p in s.execute(
            select(Event.payload).where(Event.kind == "unit.updated").order_by(Event.seq)).scalars()]
    assert medians == [480.0, 320.0, 350.0]  # 512 GB, 128 GB, and no capacity: the model's band
    # what the hub reads; a typed '128gb' is spelled as the probes spell it
    assert changed == [{"capacity": [None, "512 GB"]}, {"capacity": [None, "128 GB"]}]


def test_a_drive_that_is_the_unit_is_sold_by_its_label_size_and_a_typed_capacity_stands(ctx, loops) -> None:
    got = []
    for n, size in enumerate((500_107_862_016, 1_000_204_886_016, 480_103_981_056)):
        drive = discover.find(loops(size, sparse=True).path, enrich=False)  # the kernel's size of a loop device
        if n == 2:  # typed at intake before the wipe
            with ctx.store.session() as s:
                units.create(s, ctx.actor, {"serial": drive.identity}, device_class="drive", capacity="512 GB")
        uid = ledger.record_start(ctx, WipeStarted(
            job_id=f"cap-{n}", kind=JobKind.OVERWRITE, device=drive.path, serial=drive.identity, method="zero",
            verify="full", model=drive.facts.model, size_bytes=drive.facts.size_bytes))
        with ctx.store.reader() as s:
            got.append(units.by_uid(s, uid).capacity)  # type: ignore[union-attr]
    assert got == ["500 GB", "1 TB", "512 GB"]


@pytest.mark.parametrize(("reported", "phone", "drive"), [
    (127_989_493_760, "128 GB", "128 GB"),  # an iPhone's TotalDiskCapacity; an SSD of that size
    (54_000_000_000, "64 GB", "54 GB"), (110_000_000_000, "128 GB", "110 GB"), (250_059_350_016, "256 GB", "250 GB"),
    (1_000_204_886_016, "1 TB", "1 TB"), (1_920_383_410_176, "2 TB", "1.92 TB"), (37_000_000_000, "64 GB", "37 GB"),
])
def test_reported_sizes_round_to_what_the_box_says(reported: int, phone: str, drive: str) -> None:
    assert capacity.phone(reported) == phone
    assert capacity.drive(reported) == drive
    assert [capacity.typed(t) for t in ("128gb", " 1 tb", "256", "1.92TB", "about 64")] == [
        "128 GB", "1 TB", "256 GB", "1.92 TB", "about 64"]


def test_an_old_phones_df_in_binary_units_is_read_too() -> None:
    toolbox = "Filesystem             Size   Used   Free   Blksize\n/data                 12.1G   3.2G   8.9G   4096\n"
    toybox = ("Filesystem 1K-blocks Used Available Use% Mounted on\n"
              "/dev/block/dm-39 107426200 2500000 104926200 2% /data\n")
    assert capacity.phone(parse_df(toolbox)) == "16 GB" and capacity.phone(parse_df(toybox)) == "128 GB"
    assert parse_df("df: /data: Permission denied\n") is None

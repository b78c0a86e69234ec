"""The SKU is make + model + capacity: capacity typed at intake reaches the hub's events, and the
station prices a unit with its own capacity's band, falling back to the model's capacity-less band."""

from __future__ import annotations

import json

from sqlalchemy import select

from station import disposition, units, workflow
from station.disposition_gates import facts_for
from station.models import Event
from station.value import bands

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
    assert changed == [{"capacity": [None, "512 GB"]}, {"capacity": [None, "128gb"]}]  # what the hub reads

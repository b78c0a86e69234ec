"""A lot sold through its manifest: each unit's sale recorded as `station outcome record` records it,
synced to a hub on PostgreSQL, and taken by the next band recomputation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from station import clock, grading, lots, units
from station.context import open_station
from station.errors import UserFacingError
from station.sync import run_once
from station.sync.hub import value_policy
from station.sync.hub.value import recompute
from station.sync.hub.value_models import HubOutcome
from tests.grading.helpers import PHONE_B_PLUS, set_fields

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
EXPECTED = (100.0, 100.0, 100.0, 100.0, 200.0)


def test_the_total_is_split_by_routed_value_in_cents_and_adds_up() -> None:
    assert lots.split(720.0, [100.0, 100.0, 100.0, 100.0, 200.0]) == [120.0, 120.0, 120.0, 120.0, 240.0]
    assert lots.split(100.0, [1.0, 1.0, 1.0]) == [33.33, 33.33, 33.34]  # the cent left over goes to the last
    assert lots.split(90.0, [50.0, None, 40.0]) == [30.0, 30.0, 30.0]  # a unit without a value: equal shares


def test_a_lot_sold_through_its_manifest_prices_each_unit_and_feeds_the_bands(hub, tokens, hub_store,
                                                                               tmp_path: Path) -> None:
    data = tmp_path / "bench-lot"
    data.mkdir()
    (data / "station.toml").write_text(
        f'[station]\nid = "bench-lot"\n[label]\nauto_print = false\n[sync]\nhub_url = "{hub.url}"\n'
        f'allow_insecure = true\ntoken = "{tokens.station("bench-lot")}"\n')
    ctx = open_station(data)
    try:
        lot = lots.create(ctx)
        uids = []
        for n, expected in enumerate(EXPECTED):
            with ctx.store.session() as s:
                uid = units.create(s, ctx.actor, {"serial": f"LOTSALE-{n}"}, device_class="phone", model="Pixel 8",
                                   make="Google").uid
            grading.record(ctx, uid, PHONE_B_PLUS)
            set_fields(ctx, uid, wipe_status="sanitized", route="wholesale_auction", expected_value=expected)
            lots.add(ctx, lot.code, uid)
            uids.append(uid)
        with pytest.raises(UserFacingError, match="either per unit or as a total"):
            lots.sell(ctx, lot.code)
        sold = lots.sell(ctx, lot.code, total=720.0, channel="wholesale_auction", buyer="Acme")
        assert sold.prices == dict(zip(uids, (120.0, 120.0, 120.0, 120.0, 240.0), strict=True))
        with pytest.raises(UserFacingError, match="already recorded as sold"):
            lots.sell(ctx, lot.code, unit_price=1.0)
        assert run_once(ctx).ok
    finally:
        ctx.close()
    with hub_store.session() as s:
        rows = s.execute(select(HubOutcome).where(HubOutcome.station_id == "bench-lot")
                         .order_by(HubOutcome.seq)).scalars().all()
        assert [(r.unit_uid, r.outcome, r.amount, r.expected_value, r.channel, r.buyer) for r in rows] == [
            (u, "sold", p, e, "wholesale_auction", "Acme") for u, p, e in zip(uids, sold.prices.values(), EXPECTED,
                                                                               strict=True)]
        r = recompute(s, value_policy.load(), at=clock.now() + timedelta(minutes=1))
    band = r.bands.find("Google", "Pixel 8", None, "B+", "wholesale_auction")
    assert band is not None and band.sales == 5
    assert (band.observed_p25, band.observed_median, band.observed_p75) == (120.0, 120.0, 120.0)

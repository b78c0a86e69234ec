"""The value loop on a real PostgreSQL: a year of outcomes in, an Inventory Risk ranking, bands whose
percentiles are computed here independently, tier changes as incidents, and bands published to stations."""

from __future__ import annotations

import itertools
import json
import statistics
from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text

from station.cli import main
from station.sync.hub import lifecycle_admin, pricebands, risk, value_policy
from station.sync.hub.auth import create_reader, create_station
from station.sync.hub.db import HubStore
from station.sync.hub.models import HubIncident
from station.sync.hub.value import recompute
from station.sync.hub.value_models import HubOutcome, HubValueUnit
from station.value import bands, sku
from station.value.lifecycle import Stage
from tests.sync import value_year
from tests.sync.factory import ThreadHub
from tests.sync.value_year import EOL_DAY, MODELS, NOW

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
POLICY = value_policy.load()
_copies = itertools.count()


@pytest.fixture(scope="module")
def year_template(pg, hub_template):
    """The year ingested once; each test gets its own copy of that database."""
    year = value_year.build()
    store = HubStore(pg.create_database("value_year", template=hub_template), pool_size=1)
    with store.session() as s:
        create_station(s, year.station)
    with store.session() as s:
        value_year.load(s, year)
        lifecycle_admin.set_tag(s, *MODELS["steady"], "active", date(2026, 10, 1), "anna")
        lifecycle_admin.set_tag(s, *MODELS["eol"], "eol", EOL_DAY.date(), "anna", "successor launched")
        lifecycle_admin.set_tag(s, *MODELS["volatile"], "active", date(2026, 9, 15), "anna")
    store.close()
    return year


@pytest.fixture
def year_db(pg, year_template):
    store = HubStore(pg.create_database(f"value_year_{next(_copies)}", template="value_year"), pool_size=1)
    yield store, year_template
    store.close()


def _key(name: str) -> str:
    return sku.key(*MODELS[name])


def test_the_risk_index_ranks_as_the_seed_says(year_db):
    store, _year = year_db
    with store.session() as s:
        r = recompute(s, POLICY, at=NOW)
    ranked = [m.ref for m in r.models]
    assert ranked == [_key("eol"), _key("volatile"), _key("steady")]
    eol, volatile, steady = r.models
    assert (eol.units, eol.value_held, eol.stage, eol.buyers, eol.channels) == (30, 7500.0, "eol", 1, 1)
    assert round(eol.days_since_outbound) == (NOW - datetime(2026, 7, 13, 11, tzinfo=NOW.tzinfo)).days
    assert eol.tier == "high" and steady.tier == "low"
    assert eol.share == 0.0 and steady.share > volatile.share > 0  # nothing of it moved in 90 days
    # the volatile model's prices make it the most volatile; each contribution adds up to the index
    assert max(r.models, key=lambda m: m.risks["price_volatility"]) is volatile
    assert volatile.cv == pytest.approx(statistics.pstdev(value_year.VOLATILE) / statistics.mean(value_year.VOLATILE),
                                        rel=0.05)
    for m in r.models:
        assert sum(m.contributions.values()) == pytest.approx(m.score)
    lots = {lot.ref: lot for lot in r.lots}
    assert set(lots) == {"bench-1:L-7", "bench-1:L-9"} and lots["bench-1:L-9"].score > lots["bench-1:L-7"].score
    assert lots["bench-1:L-9"].value_held == 7500.0 and lots["bench-1:L-7"].units == 3


def test_bands_match_percentiles_computed_by_hand(year_db):
    store, year = year_db
    with store.session() as s:
        r = recompute(s, POLICY, at=NOW)
    since = NOW - timedelta(days=POLICY.window_days)
    doc = bands.parse(bands.dump(r.bands), "published")  # what a station reads back
    for name in ("steady", "eol", "volatile"):
        prices = [a for at, a in year.sold[name] if since <= at < NOW]
        q1, q2, q3 = statistics.quantiles(prices, n=4, method="inclusive")  # percentile_cont's definition
        b = doc.find(*MODELS[name], "B", "wholesale_auction")
        assert b is not None and b.sales == len(prices)
        assert (b.observed_p25, b.observed_median, b.observed_p75) == pytest.approx((q1, q2, q3), abs=0.006)
    # fewer than min_sales sales of grade A on retail: no band, the station falls back to its static table
    assert doc.find(*MODELS["steady"], "A", "resell_retail") is None
    assert doc.find(*MODELS["steady"], "A") is None
    # the EOL model's band moves down and widens by its stage and its high tier, as the policy says
    eol = doc.find(*MODELS["eol"], "B")
    assert (eol.stage, eol.tier) == (Stage.EOL, "high")
    assert eol.median == pytest.approx(eol.observed_median * (1 - 0.10 - 0.05), abs=0.006)
    assert eol.median - eol.p25 == pytest.approx((eol.observed_median - eol.observed_p25) * 1.40, abs=0.02)
    # the buyer's target on lot L-7 pulls the steady band's median a quarter of the way toward 230
    steady = doc.find(*MODELS["steady"], "B")
    assert steady.target == 230.0 and steady.tier == "low"
    assert steady.median == pytest.approx(steady.observed_median + 0.25 * (230.0 - steady.observed_median), abs=0.006)
    assert doc.discount_for(60) == 6.0


def test_the_sales_are_read_once_in_index_order_not_sorted(year_db):
    """The window's sales come in SKU x grade x channel x amount order from the sales index, read only
    from the index: no sort of every sale, no array of each group's amounts (benchmarks/value_bench.py)."""
    store, _year = year_db
    with store.engine.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE outcomes"))
    with store.session() as s:
        s.execute(text(risk.INDEX_ORDER))
        plan = s.execute(text("EXPLAIN (FORMAT JSON) " + risk._GROUPS),
                         {"since": NOW - timedelta(days=365), "now": NOW}).scalar_one()

    def nodes(n):
        yield n
        for child in n.get("Plans", []):
            yield from nodes(child)
    found = list(nodes(plan[0]["Plan"]))
    assert [n["Strategy"] for n in found if n["Node Type"] == "Aggregate" and "Group Key" in n] == ["Sorted"]
    assert [(n["Node Type"], n.get("Index Name")) for n in found if "Scan" in n["Node Type"]] == [
        ("Index Only Scan", "ix_outcomes_sales")]
    assert not [n for n in found if n["Node Type"] == "Sort"]


def test_a_change_of_tier_is_an_alert(year_db):
    store, _year = year_db
    with store.session() as s:
        july = recompute(s, POLICY, at=datetime(2026, 7, 20, tzinfo=NOW.tzinfo), record=True)
    assert july.alerts == []  # the first computation only sets the baseline
    assert next(m for m in july.models if m.ref == _key("eol")).tier == "medium"
    with store.session() as s:
        december = recompute(s, POLICY, at=NOW, record=True)
        again = recompute(s, POLICY, at=NOW, record=True)
        found = s.execute(select(HubIncident).where(HubIncident.kind == "iri_tier")).scalars().all()
    index = f"{december.models[0].score:.1f}"
    assert december.alerts == [
        f"Inventory risk of model Apple iPhone 11 64GB went from medium to high (index {index}).",
        f"Inventory risk of lot L-9 (bench-1) went from medium to high (index {index}).",
    ]
    assert again.alerts == []
    assert [i.detail for i in found] == december.alerts and all(i.station_id == "hub" for i in found)


def test_published_bands_and_tags_reach_the_document_table_once_per_content(year_db):
    store, _year = year_db
    with store.session() as s:
        first = recompute(s, POLICY, at=NOW, publish=True, by="cron")
        second = recompute(s, POLICY, at=NOW, publish=True, by="cron")
        review = lifecycle_admin.review(s, NOW.date())
        published = pricebands.configdocs.get(s, "bands", "prices")
    assert first.published == 1 and second.published is None  # same bands: no new version
    assert published is not None and bands.parse(published.body, "x").version == first.bands.version
    assert [(t.model, t.stage) for t in review] == [("iPhone 11", Stage.EOL)]  # tagged 2026-06-01


def test_the_hub_cli_tags_reviews_ranks_and_publishes(year_db, tmp_path, capsys):
    store, _year = year_db
    base = ["--data-dir", str(tmp_path / "hubhost"), "hub", "--database-url",
            store.engine.url.render_as_string(hide_password=False)]
    assert main([*base, "lifecycle", "set", "Google", "Pixel 8", "pre_eol", "--capacity", "128 GB",
                 "--date", "2026-11-20", "--by", "anna"]) == 0
    assert "Google Pixel 8 128 GB: Pre-EOL since 2026-11-20; lifecycle/models version 4" in capsys.readouterr().out
    assert main([*base, "lifecycle", "review", "--json", "--on", "2026-12-01"]) == 0
    assert [t["model"] for t in json.loads(capsys.readouterr().out)] == ["iPhone 11"]
    assert main([*base, "lot-target", "bench-1", "L-9", "180", "--buyer", "Zed", "--at", "2026-11-28T10:00"]) == 0
    capsys.readouterr()
    assert main([*base, "risk", "--json", "--at", "2026-12-01T00:00"]) == 0
    ranked = json.loads(capsys.readouterr().out)
    assert [m["ref"] for m in ranked] == [_key("eol"), _key("volatile"), _key("steady")]
    assert ranked[2]["stage"] == "pre_eol" and set(ranked[0]["contributions"]) == set(value_policy.DIMENSIONS)
    assert main([*base, "risk", "--lots", "--at", "2026-12-01T00:00"]) == 0
    assert "L-9 (bench-1) [eol]" in capsys.readouterr().out.splitlines()[1]
    assert main([*base, "bands", "--publish", "--at", "2026-12-01T00:00", "--by", "cron"]) == 0
    assert "3 band(s)" in (out := capsys.readouterr().out) and "bands/prices version 1" in out
    with store.session() as s:
        doc = bands.parse(pricebands.configdocs.get(s, "bands", "prices").body, "published")
    eol = doc.find(*MODELS["eol"], "B")
    assert eol.target == 180.0 and eol.median < eol.observed_median * 0.85  # pulled toward the buyer's 180
    assert doc.find(*MODELS["steady"], "B").stage is Stage.PRE_EOL


def test_the_api_gives_readers_the_ranking_bands_and_review(year_db):
    store, year = year_db
    hub = ThreadHub(store.engine.url.render_as_string(hide_password=False)).start()
    try:
        with store.session() as s:
            reader = create_reader(s, "sue")
            station = create_station(s, "bench-2")
        head = {"Authorization": f"Bearer {reader}"}
        at = {"at": "2026-12-01T00:00:00Z"}
        r = httpx.get(f"{hub.url}/v1/value/risk", params=at, headers=head)
        assert r.status_code == 200, r.text
        assert [m["ref"] for m in r.json()["items"]] == [_key("eol"), _key("volatile"), _key("steady")]
        lots = httpx.get(f"{hub.url}/v1/value/risk", params={**at, "scope": "lot"}, headers=head).json()["items"]
        assert [lot["ref"] for lot in lots] == ["bench-1:L-9", "bench-1:L-7"]
        b = httpx.get(f"{hub.url}/v1/value/bands", params=at, headers=head).json()
        assert {x["sku"] for x in b["bands"]} == {_key(m) for m in MODELS} and b["min_sales"] == 5
        due = httpx.get(f"{hub.url}/v1/value/lifecycle/review", params={"on": "2026-12-01"}, headers=head).json()
        assert [t["stage_label"] for t in due] == ["EOL"]
        # disposition accuracy by value over the year: each sale against the value its unit was routed with
        expected = {uid: p["expected_value"] for _at, kind, uid, p in year.items if kind == "route.assigned"}
        sales = [(p["amount"], expected[uid]) for _at, kind, uid, p in year.items if kind == "outcome.recorded"]
        missed, routed = sum(abs(a - e) for a, e in sales), sum(e for _a, e in sales)
        acc = httpx.get(f"{hub.url}/v1/value/accuracy", headers=head,
                        params={"since": "2025-01-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"}).json()
        assert (acc["sales"], acc["missed"], acc["expected"]) == (len(sales), round(missed, 2), round(routed, 2))
        assert acc["accuracy"] == pytest.approx(1 - missed / routed, abs=1e-4) and acc["accuracy"] < 1
        assert [st["station"] for st in acc["stations"]] == ["bench-1"]
        assert httpx.get(f"{hub.url}/v1/value/risk", headers={"Authorization": f"Bearer {station}"}).status_code == 403
        # a year before the window can start is refused, not a server error
        assert httpx.get(f"{hub.url}/v1/value/bands", params={"at": "0001-01-01T00:00:00"}, headers=head).status_code \
            == 422
    finally:
        hub.stop()


def test_ingest_keeps_what_it_can_read_and_a_return_puts_the_unit_back_on_hand(hub_store):
    year = value_year.Year("bench-9")
    t = NOW - timedelta(days=30)
    uid = year.unit("steady", t, 190.0, sell=(t + timedelta(days=1), 210.0, "Acme"))
    odd = year.unit("volatile", t, 200.0)
    year.items += [
        (t + timedelta(days=2), "outcome.recorded", uid, {"outcome": "returned", "route": "wholesale_auction"}),
        (t + timedelta(days=3), "unit.updated", odd, {"changed": {"capacity": ["256 GB", "512GB"]}}),
        (t + timedelta(days=4), "outcome.recorded", odd, {"outcome": "sold", "amount": "lots", "channel": "Bad Chan",
                                                          "buyer": 7, "make": 12}),
        (t + timedelta(days=5), "route.assigned", odd, {"route": ["x"], "expected_value": float("1e12")}),
    ]
    with hub_store.session() as s:
        create_station(s, year.station)
    with hub_store.session() as s:
        value_year.load(s, year)
    with hub_store.session() as s:
        units = {u.unit_uid: u for u in s.execute(select(HubValueUnit)).scalars()}
        outcomes = s.execute(select(HubOutcome).order_by(HubOutcome.seq)).scalars().all()
    assert units[uid].out_at is None and units[uid].expected_value == 190.0  # sold, then returned: on hand again
    assert units[odd].sku_key == "samsung|galaxy s21|512gb" and units[odd].route is None
    assert units[odd].expected_value is None  # 1e12 is not a price
    assert [(o.outcome, o.amount, o.channel, o.buyer, o.sku_key) for o in outcomes] == [
        ("sold", 210.0, "wholesale_auction", "Acme", _key("steady")),
        ("returned", None, "wholesale_auction", None, _key("steady")),
        ("sold", None, None, None, "samsung|galaxy s21|512gb"),  # make 12 is not a make: the unit's SKU is used
    ]

"""The lifecycle and price-band documents: what they accept, what they refuse (naming the line), and lookups."""

from __future__ import annotations

from datetime import date

import pytest

from station.errors import ConfigError
from station.value import bands, lifecycle, sku
from station.value.lifecycle import Stage

TAGS = """\
version = "4"
[[models]]
make = "Apple"
model = "iPhone 12"
stage = "eol"
tagged = 2026-06-30
[[models]]
make = "Apple"
model = "iPhone 12"
capacity = "256 GB"
stage = "dead_stock"
tagged = 2026-11-01
by = "anna"
[[models]]
make = "Google"
model = "Pixel 8"
capacity = "128GB"
stage = "active"
tagged = 2026-09-20
"""

BANDS = """\
{"version": "2026-12-07T16:00:00Z", "currency": "USD", "window_days": 365, "min_sales": 5,
 "discounts": [{"min_units": 50, "percent": 6.0}, {"min_units": 10, "percent": 3.0}],
 "columns": ["grade", "channel", "sales", "p25", "median", "p75", "observed_p25", "observed_median",
             "observed_p75", "target"],
 "models": [
  {"make": "Apple", "model": "iPhone 12", "capacity": "128GB", "stage": "eol", "tier": "high", "bands": [
   ["B", "wholesale_auction", 40, 280.0, 300.0, 330.0, 290.0, 310.0, 335.0, null],
   ["B", "resell_retail", 12, 320.0, 340.0, 360.0, 320.0, 340.0, 360.0, 0.0]]}]}
"""


def test_sku_keys_fold_case_spacing_and_capacity_spelling():
    assert sku.key("Apple ", "iPhone  12", "128 GB") == sku.key("APPLE", "iphone 12", "128gb")
    assert sku.key("Apple", "iPhone 12", "128GB") == "apple|iphone 12|128gb"
    assert sku.key("Lenovo", "T14", None) == "lenovo|t14|"


def test_lifecycle_tags_look_up_by_sku_with_a_model_wide_fallback():
    doc = lifecycle.parse(TAGS, "tags.toml")
    assert doc.version == "4" and len(doc.tags) == 3
    assert doc.stage_of("apple", "IPHONE 12", "256GB") is Stage.DEAD_STOCK
    assert doc.stage_of("Apple", "iPhone 12", "64GB") is Stage.EOL  # the capacity-less tag covers the rest
    assert doc.stage_of("Apple", "iPhone 15", "") is None
    assert Stage.PRE_EOL.winding_down and not Stage.ACTIVE.winding_down and Stage.EOL.label == "EOL"


def test_the_quarterly_review_lists_tags_older_than_ninety_days_oldest_first():
    doc = lifecycle.parse(TAGS, "tags.toml")
    due = doc.due_for_review(date(2026, 12, 20))
    assert [(t.model, t.capacity) for t in due] == [("iPhone 12", ""), ("Pixel 8", "128GB")]
    assert doc.due_for_review(date(2026, 9, 28)) == []  # 90 days exactly is not yet due
    assert doc.due_for_review(date(2026, 9, 29)) == [due[0]]


def test_lifecycle_dump_reads_back_and_a_new_tag_replaces_the_old_one():
    doc = lifecycle.parse(TAGS, "tags.toml")
    newer = doc.with_tag(lifecycle.Tag("GOOGLE", "pixel 8", "128 gb", Stage.PRE_EOL, date(2026, 12, 7)), "5")
    again = lifecycle.parse(lifecycle.dump(newer), "dumped")
    assert again == lifecycle.Lifecycle("5", "dumped", newer.tags)
    assert len(again.tags) == 3 and again.stage_of("Google", "Pixel 8", "128GB") is Stage.PRE_EOL


@pytest.mark.parametrize(("edit", "line", "words"), [
    (('stage = "active"', 'stage = "retired"'), 18, "'stage' must be one of"),
    (("tagged = 2026-09-20", 'tagged = "2026-09-20"'), 19, "must be a date"),
    (('make = "Google"\nmodel = "Pixel 8"\ncapacity = "128GB"', 'make = "apple"\nmodel = "iphone 12"\n'
      'capacity = "256gb"'), 14, "tagged twice"),
    (('version = "4"', 'version = "4"\nowner = "x"'), 2, "unknown key 'owner'"),
])
def test_lifecycle_refusals_name_the_line(edit, line, words):
    with pytest.raises(ConfigError, match=rf"tags.toml, line {line}: .*{words}"):
        lifecycle.parse(TAGS.replace(*edit, 1), "tags.toml")


def test_bands_find_by_sku_grade_and_channel_and_discount_by_lot_size():
    doc = bands.parse(BANDS, "bands.json")
    b = doc.find("APPLE", "iphone 12", "128 GB", "B", "wholesale_auction")
    assert b is not None and (b.p25, b.median, b.p75, b.stage, b.tier) == (280.0, 300.0, 330.0, Stage.EOL, "high")
    assert doc.find("Apple", "iPhone 12", "128GB", "B").channel == "wholesale_auction"  # most sales
    assert doc.find("Apple", "iPhone 12", "128GB", "C") is None
    assert [doc.discount_for(n) for n in (1, 10, 49, 50, 500)] == [0.0, 3.0, 3.0, 6.0, 6.0]
    assert bands.parse(bands.dump(doc), "bands.json") == doc
    assert doc.find("Apple", "iPhone 12", "128GB", "B", "resell_retail").target == 0.0


@pytest.mark.parametrize(("edit", "words"), [
    (('"resell_retail", 12,', '"resell_retail", 4,'), r"model 1 \(Apple iPhone 12 128GB\), band 2: .*min_sales = 5"),
    (("320.0, 340.0, 360.0, 320.0", "320.0, 400.0, 360.0, 320.0"), r"band 2: p25 <= median <= p75"),
    (('"resell_retail"', '"Resell Retail"'), "band 2: channel must be lower-case"),
    (("280.0, 300.0, 330.0", "280.0, 300.0, -1"), "band 1: prices must be numbers from 0"),
    (('"currency": "USD"', '"currency": "dollars"'), "three-letter"),
    (('"stage": "eol"', '"stage": "retired"'), "stage must be one of"),
    (('"observed_p75", "target"', '"target", "observed_p75"'), "'columns' must be"),
    (('"wholesale_auction", 40', '"resell_retail", 40'), "has two bands"),
    (("]]}]}", "]]}]"), "not valid JSON"),
])
def test_band_refusals_say_where(edit, words):
    assert edit[0] in BANDS
    with pytest.raises(ConfigError, match=rf"^bands.json: .*{words}"):
        bands.parse(BANDS.replace(*edit, 1), "bands.json")


def test_nothing_pushed_reads_as_empty(tmp_path):
    assert bands.pushed(tmp_path).bands == () and bands.pushed(None) is bands.EMPTY
    assert lifecycle.pushed(tmp_path).tags == ()
    (tmp_path / "prices.json").write_text(BANDS)
    assert len(bands.pushed(tmp_path).bands) == 2

"""Lifecycle tags and price bands travel as configuration documents: checked at publish, pulled by stations
into the folder their loaders read."""

from __future__ import annotations

import pytest

from station.errors import ConfigError
from station.paths import hub_documents
from station.sync import run_once
from station.sync.hub import configdocs
from station.value import bands, lifecycle
from station.value.lifecycle import Stage
from tests.value.test_documents import BANDS, TAGS

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def test_a_station_pulls_the_tags_and_bands_its_loaders_then_read(hub, tokens, make_station, hub_store):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    with hub_store.session() as s:
        with pytest.raises(ConfigError, match="named 'prices'"):
            configdocs.publish(s, "bands", "default", BANDS)
        with pytest.raises(ConfigError, match="at least min_sales"):
            configdocs.publish(s, "bands", "prices", BANDS.replace('"resell_retail", 12,', '"resell_retail", 2,'))
        configdocs.publish(s, "lifecycle", "models", TAGS)
        configdocs.publish(s, "bands", "prices", BANDS)
    report = run_once(ctx)
    assert sorted(report.config_applied) == ["bands/prices v1", "lifecycle/models v1"]
    tags = lifecycle.pushed(hub_documents(ctx.data.config_file, lifecycle.KIND))
    assert tags.version == "4" and tags.stage_of("Apple", "iPhone 12", "256GB") is Stage.DEAD_STOCK
    pushed = bands.pushed(hub_documents(ctx.data.config_file, bands.KIND))
    assert pushed.find("Apple", "iPhone 12", "128GB", "B", "resell_retail").median == 340.0

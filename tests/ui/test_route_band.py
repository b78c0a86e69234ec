"""The Route step prices a unit with the price band the hub pushed (its median is the expected
value) and shows the band and the model's lifecycle stage; without a band it says so and uses the
static price table."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from station import grading, operators, units, workflow
from station.context import open_station
from station.models import Event
from station.paths import hub_documents
from station.sync import documents
from station.ui.route_box import RouteBox
from station.value import bands, lifecycle
from tests.grading.helpers import PHONE_B_PLUS

BANDS = {"version": "2026-12-07-a1", "currency": "USD", "window_days": 365, "min_sales": 5, "discounts": [],
         "columns": list(bands.COLUMNS),
         "models": [{"make": "Apple", "model": "iPhone 12", "capacity": "", "stage": "eol", "tier": None,
                     "bands": [["B+", "wholesale_auction", 42, 280.0, 300.0, 330.0, 290.0, 310.0, 335.0, None],
                               ["B+", "resell_retail", 7, 350.0, 365.0, 390.0, 350.0, 365.0, 390.0, None]]}]}
TAGS = """version = "3"
[[models]]
make = "Apple"
model = "iPhone 12"
stage = "eol"
tagged = 2026-06-30
"""


@pytest.fixture
def bench(data_dir):
    ctx = open_station(data_dir)
    # as the config pull writes them, each checked by the loader both ends share
    for kind, name, suffix, body in ((bands.KIND, bands.NAME, bands.SUFFIX, json.dumps(BANDS)),
                                     (lifecycle.KIND, lifecycle.NAME, ".toml", TAGS)):
        documents.check(kind, name, body)
        folder = hub_documents(ctx.config.path, kind)
        assert folder is not None
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}{suffix}").write_text(body)
    operators.add(ctx, "Ana", "technician", "OP-1001", "1357")
    assert workflow.on_scan(ctx, "OP-1001").action == "signed_in"
    yield ctx
    ctx.close()


def _graded_phone(ctx, serial: str, model: str) -> str:  # type: ignore[no-untyped-def]
    with ctx.store.session() as s:
        u = units.create(s, ctx.actor, {"serial": serial}, device_class="phone")
        units.touch(u, make="Apple", model=model, wipe_status="sanitized")
        uid = u.uid
    grading.record(ctx, uid, PHONE_B_PLUS)
    return uid


def test_a_station_routes_with_the_pushed_band_and_shows_it(qtbot, bench) -> None:
    uid = _graded_phone(bench, "BAND-0001", "iPhone 12")
    box = RouteBox(bench)
    qtbot.addWidget(box)
    box.show()
    box.load(uid)
    qtbot.waitUntil(lambda: box.routes.count() > 0, timeout=10000)
    proposed = box.offered.proposed
    assert proposed.route == "resell_retail" and proposed.band is not None
    # on the proposed route's own channel: its band, not the busier auction's
    assert proposed.estimated_value == 365.0 and proposed.expected_value == round(365.0 * 0.85, 2)
    shown = box.value.text()
    assert "Price band 350.00-390.00 USD, median 365.00 (7 sales on resell retail)" in shown
    assert "Lifecycle: EOL" in shown
    box.routes.setFocus()
    box.take()
    qtbot.waitUntil(lambda: "Routed to" in box.state.text(), timeout=10000)
    with bench.store.reader() as s:
        payload = json.loads(s.execute(select(Event.payload).where(Event.kind == "route.assigned")).scalar_one())
    assert (payload["value_source"], payload["band"]["median"], payload["lifecycle_stage"]) == ("band", 365.0, "eol")
    assert payload["expected_value"] == round(365.0 * 0.85, 2) and payload["bands_version"] == "2026-12-07-a1"


def test_without_a_band_the_price_table_rules_and_the_step_says_so(qtbot, bench) -> None:
    uid = _graded_phone(bench, "BAND-0002", "Pixel 6")
    box = RouteBox(bench)
    qtbot.addWidget(box)
    box.load(uid)
    qtbot.waitUntil(lambda: box.routes.count() > 0, timeout=10000)
    assert box.offered.proposed.band is None
    assert box.value.text().startswith("No price band for this model and grade: price table ")
    assert "Lifecycle: not tagged" in box.value.text()


def test_the_grade_panel_shows_the_models_lifecycle_stage_before_the_grade(qtbot, bench) -> None:
    from station.devices.manager import DeviceManager
    from station.ui import ops
    from station.ui.panels.grade import GradePanel

    with bench.store.session() as s:
        eol = units.create(s, bench.actor, {"serial": "STAGE-0001"}, device_class="phone", model="iPhone 12")
        units.touch(eol, make="Apple")
        untagged = units.create(s, bench.actor, {"serial": "STAGE-0002"}, device_class="phone", model="iPhone 15")
        units.touch(untagged, make="Apple")
        eol_uid, untagged_uid = eol.uid, untagged.uid
    panel = GradePanel(bench, DeviceManager())
    qtbot.addWidget(panel)
    panel.show()
    for uid in (eol_uid, untagged_uid):
        panel.set_unit(uid)
        qtbot.waitUntil(lambda u=uid: panel.form is not None and panel.loaded.uid == u, timeout=10000)
        if uid == eol_uid:
            assert panel.loaded.stage is lifecycle.Stage.EOL and panel.loaded.sale_grade is None
            assert panel.unit_line.text().endswith("· lifecycle: EOL")
        else:  # a model the hub has not tagged: nothing claimed
            assert panel.loaded.stage is None and "lifecycle" not in panel.unit_line.text()
    panel.close()
    assert ops.shutdown()  # nothing of the panel's still runs when the bench's store closes

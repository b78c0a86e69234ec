"""Disposition: exactly one route per unit, the resale block until sanitization passed, values, outcomes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from station import disposition, grading, units
from station.disposition import Facts, decide
from station.disposition_gates import LOCK_STATUSES, refusing
from station.disposition_rules import REUSE_ROUTES, ROUTES, WIPE_STATUSES, load
from station.errors import UserFacingError
from station.grading.evaluate import FUNCTIONAL_CODES, SUFFIX
from station.grading.matrix import CLASSES, COSMETIC
from station.models import Event
from tests.grading.helpers import PHONE_B_PLUS, set_fields, unit

RULES = load()


@st.composite
def facts(draw: st.DrawFn) -> Facts:
    graded = draw(st.booleans())
    cosmetic = draw(st.sampled_from(COSMETIC)) if graded else None
    functional = draw(st.sampled_from(tuple(FUNCTIONAL_CODES))) if graded else None
    model = draw(st.one_of(st.none(), st.sampled_from(["iPhone 14", "Pixel 8", "Latitude 5420", "ThinkPad T14s",
                                                        "OptiPlex 7090", "Galaxy S21"]), st.text(max_size=20)))
    defects = tuple(draw(st.lists(st.sampled_from(["account_lock", "mdm", "ber", "no_power", "battery_swollen",
                                                    "camera", "liquid"]), max_size=3, unique=True)))
    return Facts(draw(st.sampled_from(CLASSES)), model, cosmetic, functional,
                 cosmetic + SUFFIX[functional] if cosmetic and functional else None,
                 draw(st.sampled_from(WIPE_STATUSES)), defects, draw(st.sampled_from(LOCK_STATUSES)))


@settings(max_examples=300, deadline=None)
@given(facts())
def test_every_unit_gets_exactly_one_route(f: Facts) -> None:
    matching = [r for r in RULES.rules if disposition._matches(r, f, RULES.price(f.device_class, f.model, f.cosmetic,
                                                                                   f.functional))
                and not refusing(f, r.route)]
    d = decide(RULES, f)
    assert d.route in ROUTES and not refusing(f, d.route)  # a gate's route is never proposed
    # one route: the first rule that holds and whose route is open, else hold
    assert d.rule == (matching[0].name if matching else "gated")
    assert d.explanation and "{" not in d.explanation
    if d.estimated_value is not None:
        assert d.expected_value == round(d.estimated_value * RULES.routes[d.route].recovery_rate, 2)
    blocked = f.data_bearing and f.wipe_status != "sanitized" and d.route in REUSE_ROUTES
    assert (d.blocked_reason is not None) == blocked


@pytest.mark.parametrize(("f", "route", "value"), [
    (Facts("phone", "iPhone 14 Pro", "B", "FF", "B+", "sanitized"), "resell_retail", 360.0),
    (Facts("phone", "Galaxy S9", "C", "NT", "C", "sanitized"), "wholesale_auction", 45.5),
    (Facts("phone", "Pixel 8", "A", "FD", "A-", "sanitized"), "refurbish", 104.0),
    (Facts("phone", "Pixel 7", "E", "NF", "E-", "none"), "recycle", 2.5),
    (Facts("laptop", "Latitude 5420", "B", "FF", "B+", "sanitized"), "redeploy_internal", 250.0),
    (Facts("laptop", "Aspire 3", "D", "FF", "D+", "sanitized"), "wholesale_auction", 80.0),
    (Facts("desktop", "Vostro", "C", "FF", "C+", "sanitized"), "wholesale_auction", 90.0),  # under retail's 100
    (Facts("drive", "ST1000", "A", "FF", "A+", "failed"), "recycle", 25.0),
    # Stopped by the operator: the drive is fine, so it keeps its route and waits for a wipe that passes.
    (Facts("drive", "ST1000", "A", "FF", "A+", "aborted"), "wholesale_auction", 25.0),
    (Facts("drive", "ST1000", "A", "NT", "A", "sanitized"), "wholesale_auction", 17.5),
    (Facts("other", "Dock", "A", "FF", "A+", "n/a"), "return_to_stock", 40.0),
    (Facts("tablet", "Fire 7", "D", "FD", "D-", "sanitized"), "wholesale_auction", 18.0),
    (Facts("tablet", "Fire 7", "D", "NF", "D-", "sanitized"), "recycle", 4.5),
    (Facts("laptop", "Aspire 3", "C", "FF", "C+", "sanitized"), "resell_retail", 170.0),
    (Facts("laptop", "Aspire 1", "D", "FD", "D-", "sanitized"), "wholesale_auction", 32.0),
    (Facts("laptop", "Aspire 1", "E", "FF", "E+", "sanitized"), "harvest_parts", 20.0),
    (Facts("laptop", "Aspire 1", "E", "FD", "E-", "sanitized"), "recycle", 8.0),
])
def test_golden_routes(f: Facts, route: str, value: float) -> None:
    d = decide(RULES, f)
    assert (d.route, d.estimated_value) == (route, value), d


def test_a_stopped_drive_wipe_is_named_so_in_the_refusal() -> None:
    d = decide(RULES, Facts("drive", "ST1000", "A", "FF", "A+", "aborted"))
    assert d.blocked_reason is not None and "(wipe: stopped before it finished)" in d.blocked_reason


def test_a_data_bearing_unit_is_refused_resale_until_its_wipe_passed(ctx) -> None:
    uid = unit(ctx, "phone", "iPhone 14")
    grading.record(ctx, uid, PHONE_B_PLUS)
    for status in (None, "failed", "interrupted", "aborted", "n/a"):
        set_fields(ctx, uid, wipe_status=status)
        with pytest.raises(UserFacingError, match=r"sanitization has not passed .*R2v3 Appendix B"):
            disposition.assign(ctx, uid)
        with pytest.raises(UserFacingError, match="sanitization has not passed"):
            disposition.assign(ctx, uid, "redeploy_internal", "staff phone pool needs one")
    with ctx.store.reader() as s:
        assert units.by_uid(s, uid).route is None
        assert s.execute(select(Event).where(Event.kind == "route.assigned")).first() is None
    set_fields(ctx, uid, wipe_status="sanitized")
    d = disposition.assign(ctx, uid)
    assert (d.route, d.expected_value) == ("resell_retail", 306.0)
    with ctx.store.reader() as s:
        u = units.by_uid(s, uid)
        assert (u.route, u.expected_value) == ("resell_retail", 306.0)
        payload = json.loads(s.execute(select(Event.payload).where(Event.kind == "route.assigned")).scalar_one())
        assert payload["recovery_rate"] == 0.85 and payload["rules_version"] == RULES.version
        # R2v3 REC with the sanitization status at routing: F5 now that the wipe passed
        assert payload["crosswalks"]["r2v3"] == {"functional": "F5", "cosmetic": "C5"}


def test_recycle_and_parts_need_no_wipe_and_other_equipment_is_not_data_bearing(ctx) -> None:
    phone = unit(ctx, "phone", "Pixel 7")
    grading.record(ctx, phone, PHONE_B_PLUS)
    d = disposition.assign(ctx, phone, "harvest_parts", "cracked board seen inside")
    assert d.route == "harvest_parts" and d.rule == "chosen by operator"
    dock = unit(ctx, "other", "Dock")
    grading.record(ctx, dock, {"power": "works", "condition": "new", "complete": "complete", "storage": "none"})
    assert disposition.assign(ctx, dock).route == "return_to_stock"


def test_choosing_another_route_needs_a_reason_and_ungraded_units_wait(ctx) -> None:
    uid = unit(ctx, "other", "Dock")
    with pytest.raises(UserFacingError, match="has no grade yet"):
        disposition.assign(ctx, uid)
    grading.record(ctx, uid, {"power": "works", "condition": "new", "complete": "complete", "storage": "none"})
    with pytest.raises(UserFacingError, match="needs a reason"):
        disposition.assign(ctx, uid, "donate")
    assert disposition.assign(ctx, uid, "donate", "local school asked for docks").route == "donate"


def test_outcomes_give_the_disposition_accuracy(ctx) -> None:
    uids = [unit(ctx, "other", "Dock", serial=f"D{i}") for i in range(4)]
    for uid in uids:
        grading.record(ctx, uid, {"power": "works", "condition": "light", "complete": "complete", "storage": "none"})
        set_fields(ctx, uid, route="resell_retail")
    with pytest.raises(UserFacingError, match="not an outcome"):
        disposition.record_outcome(ctx, uids[0], "lost")
    assert disposition.record_outcome(ctx, uids[0], "sold", sold_grade="B+", amount=25.0).accurate
    assert not disposition.record_outcome(ctx, uids[1], "sold", sold_grade="C+").accurate  # graded too high
    assert disposition.record_outcome(ctx, uids[2], "sold").accurate
    disposition.record_outcome(ctx, uids[2], "returned", note="buyer: scuffed")  # the latest outcome counts
    acc = disposition.accuracy(ctx)
    assert (acc.units, acc.accurate, acc.rate) == (3, 1, 1 / 3)
    assert disposition.accuracy(ctx, since="2999-01-01T00:00:00.000000Z").rate is None


def test_finish_checks_want_a_grade_and_a_route(ctx) -> None:
    uid = unit(ctx, "other", "Dock")
    with ctx.store.reader() as s:
        u = units.by_uid(s, uid)
        assert "no grade yet" in grading.service.finish_check(s, u)
        assert "no route yet" in disposition.finish_check(s, u)
    grading.record(ctx, uid, {"power": "works", "condition": "new", "complete": "complete", "storage": "none"})
    disposition.assign(ctx, uid)
    with ctx.store.reader() as s:
        u = units.by_uid(s, uid)
        assert grading.service.finish_check(s, u) is None and disposition.finish_check(s, u) is None

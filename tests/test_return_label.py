"""The customer's side of a return at intake: the day it was initiated and the shipping paid,
typed or read from the return label's GS1 barcode."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from station import identifiers, operators, return_label, workflow
from station.errors import UserFacingError
from station.models import Event, Unit

IMEI = "352099001761481"
# SSCC of the parcel, (13) packed on 2 November 2026, (3902) 6.40 paid for the return's postage
LABEL = "(00)340123450000000000(13)261102(3902)640"


@pytest.fixture
def bench(ctx):
    operators.add(ctx, "Ana", "technician", "OP-1001", "1357")
    assert workflow.on_scan(ctx, "OP-1001").action == "signed_in"
    return ctx


def test_typed_return_fields_are_checked_and_stored_with_an_event(bench) -> None:
    uid = workflow.on_scan(bench, IMEI).uid
    view = workflow.save_intake(bench, uid, {"return_initiated_on": " 2026-11-02 ", "shipping_cost": "6,40"})
    assert view.fields["return_initiated_on"] == "2026-11-02" and view.fields["shipping_cost"] == "6.40"
    with bench.store.reader() as s:
        unit = s.execute(select(Unit).where(Unit.uid == uid)).scalar_one()
        assert (unit.return_initiated_on, unit.shipping_cost) == ("2026-11-02", 6.4)
        changed = s.execute(select(Event.payload).where(Event.kind == "unit.updated")).scalar_one()
    assert '"shipping_cost":[null,6.4]' in changed and '"return_initiated_on":[null,"2026-11-02"]' in changed
    for field, bad, says in (("return_initiated_on", "02/11/2026", "YYYY-MM-DD"),
                             ("return_initiated_on", "2026-02-30", "not a day"),
                             ("return_initiated_on", "2099-01-01", "after today"),
                             ("shipping_cost", "-1", "not a shipping cost"),
                             ("shipping_cost", "6.405", "not a shipping cost"),
                             ("shipping_cost", "nan", "not a shipping cost")):
        with pytest.raises(UserFacingError, match=says):
            workflow.save_intake(bench, uid, {field: bad})
    cleared = workflow.save_intake(bench, uid, {"shipping_cost": ""})
    assert cleared.fields["shipping_cost"] is None


def test_a_return_label_gives_the_day_and_the_postage() -> None:
    read = return_label.read(identifiers.classify(LABEL), today=date(2026, 12, 7))
    assert (read.initiated_on, read.shipping_cost, read.date_ai, read.currency) == ("2026-11-02", 6.4, "13", None)
    # no packaging date: the release date (4326); the amount with its ISO 4217 currency (3912: EUR, 2 decimals)
    other = return_label.read(identifiers.classify("(00)340123450000000000(4326)261030(3912)978640"))
    assert (other.initiated_on, other.shipping_cost, other.date_ai, other.currency) == ("2026-10-30", 6.4, "4326",
                                                                                       "978")
    with pytest.raises(UserFacingError, match="no date and no amount"):
        return_label.read(identifiers.classify("(00)340123450000000000"))
    with pytest.raises(UserFacingError, match="after today"):
        return_label.read(identifiers.classify(LABEL), today=date(2026, 10, 1))


def test_a_return_label_scanned_where_the_return_is_expected_opens_no_unit(bench) -> None:
    o = workflow.on_scan(bench, LABEL, expect="return")
    assert (o.action, o.cue) == ("return_label", "good") and o.return_label is not None
    assert o.return_label.initiated_on == "2026-11-02" and "6.40" in o.message
    assert workflow.on_scan(bench, LABEL).action == "rejected"  # elsewhere it is a parcel, not a unit
    bare = workflow.on_scan(bench, "(00)340123450000000000", expect="return")
    assert bare.action == "rejected" and "no date and no amount" in bare.message


def test_a_misread_label_says_which_digit_is_wrong(bench) -> None:
    o = workflow.on_scan(bench, "(00)340123450000000001(13)261102", expect="return")
    assert o.action == "rejected" and "check digit" in o.message

"""Recording a grade: Grade row, unit fields and event in one transaction; overrides are audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from station import grading, units
from station.errors import UserFacingError
from station.events import verify_store_chain
from station.models import Event, Grade, Outbox
from tests.grading.helpers import PHONE_B_PLUS, PHONE_REF, PHONE_VERSION, sign_in, unit


def test_record_writes_the_grade_the_unit_and_the_event(ctx) -> None:
    sign_in(ctx, "technician")
    uid = unit(ctx, serial="R58N12345")
    r = grading.record(ctx, "R58N12345", PHONE_B_PLUS)  # by any identifier the unit answers to
    assert (r.unit_uid, r.sale_grade, r.matrix_ref) == (uid, "B+", PHONE_REF)
    with ctx.store.reader() as s:
        u = units.by_uid(s, uid)
        assert (u.cosmetic_grade, u.functional_code, u.sale_grade) == ("B", "FF", "B+")
        assert u.grade_matrix == PHONE_REF
        g = s.execute(select(Grade)).scalar_one()
        sha = grading.active(ctx, "phone").sha256
        assert (g.matrix_id, g.matrix_version, g.matrix_hash) == ("phone", PHONE_VERSION, sha)
        assert json.loads(g.answers) == PHONE_B_PLUS and json.loads(g.defects) == []
        # R2v3 gives F5 only once the wipe passed; it is computed again at routing (test_disposition)
        assert json.loads(g.crosswalks)["r2v3"] == {"functional": "R2 controlled stream (not sanitized yet)",
                                                    "cosmetic": "C5"}
        assert g.computed_grade == "B+" and g.override_reason is None
        ev = s.execute(select(Event).where(Event.kind == "grade.recorded")).scalar_one()
        assert json.loads(ev.payload)["grade_id"] == g.id and ev.operator_name == "Technician One"
        assert s.execute(select(Outbox).where(Outbox.ref == str(ev.id))).scalar_one()
        assert verify_store_chain(s).ok


def test_incomplete_answers_record_nothing(ctx) -> None:
    uid = unit(ctx)
    with pytest.raises(UserFacingError, match="'Battery health' is not answered"):
        grading.record(ctx, uid, {k: v for k, v in PHONE_B_PLUS.items() if k != "battery"})
    with ctx.store.reader() as s:
        assert s.execute(select(Grade)).first() is None
        assert units.by_uid(s, uid).sale_grade is None


def test_an_override_needs_a_supervisor_and_a_reason_and_is_audited(ctx) -> None:
    uid = unit(ctx)
    sign_in(ctx, "technician")
    with pytest.raises(UserFacingError, match="Only a supervisor may override"):
        grading.record(ctx, uid, PHONE_B_PLUS, override=grading.Override("dent under the case", "C"))
    sign_in(ctx, "supervisor")
    with pytest.raises(UserFacingError, match="needs a reason"):
        grading.record(ctx, uid, PHONE_B_PLUS, override=grading.Override("  ok ", "C"))
    with pytest.raises(UserFacingError, match="already computed"):
        grading.record(ctx, uid, PHONE_B_PLUS, override=grading.Override("dent under the case", "B"))
    r = grading.record(ctx, uid, PHONE_B_PLUS, override=grading.Override("dent under the case", "C"))
    assert (r.sale_grade, r.computed.sale_grade, r.override_reason) == ("C+", "B+", "dent under the case")
    with ctx.store.reader() as s:
        g = s.execute(select(Grade)).scalar_one()
        assert (g.sale_grade, g.computed_grade, g.override_reason) == ("C+", "B+", "dent under the case")
        ev = s.execute(select(Event).where(Event.kind.like("grade.%"))).scalar_one()
        payload = json.loads(ev.payload)
        assert ev.kind == "grade.overridden" and ev.operator_name == "Supervisor One"
        assert payload["computed"]["sale_grade"] == "B+" and payload["sale_grade"] == "C+"
        assert payload["reason"] == "dent under the case"


def test_technicians_may_override_when_the_setting_allows(ctx) -> None:
    ctx.config.set("grading.override_supervisor_only", False)
    sign_in(ctx, "technician")
    r = grading.record(ctx, unit(ctx), PHONE_B_PLUS, override=grading.Override("battery replaced", None, "FD"))
    assert r.sale_grade == "B-"


def test_a_matrix_of_another_class_is_refused(ctx) -> None:
    laptop = grading.active(ctx, "laptop")
    with pytest.raises(UserFacingError, match="grades laptops, but this unit is a phone"):
        grading.record(ctx, unit(ctx), {}, matrix=laptop)

"""The bench flow: scans create or open units in one transaction, bad scans store nothing, finishing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from station import operators, workflow
from station.errors import UserFacingError
from station.events import verify_store_chain
from station.models import Event, Outbox, Unit, UnitIdentifier
from station.workflow import IntakeDefaults

IMEI = "352099001761481"


@pytest.fixture
def bench(ctx, monkeypatch):
    # Other areas register their finish checks and hooks; these tests are about the mechanism.
    monkeypatch.setattr(workflow, "FINISH_CHECKS", [])
    monkeypatch.setattr(workflow, "ON_FINISH", [])
    operators.add(ctx, "Ana", "technician", "OP-1001", "1357")
    operators.add(ctx, "Sam", "supervisor", "OP-2001", "2468")
    assert workflow.on_scan(ctx, "OP-1001").action == "signed_in"
    return ctx


def _counts(ctx) -> tuple[int, int, int, int]:
    with ctx.store.reader() as s:
        return tuple(int(s.execute(select(func.count()).select_from(m)).scalar_one())  # type: ignore[return-value]
                     for m in (Unit, UnitIdentifier, Event, Outbox))


def test_scans_need_a_signed_in_operator(ctx) -> None:
    before = _counts(ctx)
    o = workflow.on_scan(ctx, IMEI)
    assert (o.action, o.cue) == ("need_sign_in", "bad") and "badge" in o.message
    assert _counts(ctx) == before


def test_new_identifier_creates_a_unit_with_batch_values(bench) -> None:
    o = workflow.on_scan(bench, "35-209900-176148-1", defaults=IntakeDefaults("ACME Retail", "PO-7781", "trade-in"))
    assert (o.action, o.cue) == ("created", "good") and o.uid and o.uid in o.message
    view = o.unit
    assert view is not None and view.uid == o.uid and view.device_class == "phone" and view.imei == IMEI
    assert view.fields["source"] == "ACME Retail" and view.fields["lot_ref"] == "PO-7781"
    assert view.fields["return_category"] == "trade-in"
    assert view.identifiers == [("imei", IMEI)]
    assert [h.kind for h in view.history] == ["unit.created"]
    with bench.store.reader() as s:
        ev = s.execute(select(Event).where(Event.kind == "unit.created")).scalar_one()
        assert ev.operator_name == "Ana" and ev.unit_uid == o.uid
        assert s.execute(select(func.count()).select_from(Outbox).where(Outbox.ref == str(ev.id))).scalar_one() == 1


def test_repeat_scan_opens_the_unit_with_its_history(bench) -> None:
    first = workflow.on_scan(bench, IMEI)
    again = workflow.on_scan(bench, "35 209900 176148 1")
    assert (again.action, again.cue, again.uid) == ("opened", "repeat", first.uid)
    assert [h.kind for h in again.unit.history] == ["unit.created", "unit.scanned"]
    assert "seen before (2 events)" in again.message
    by_label = workflow.on_scan(bench, first.uid)
    assert by_label.uid == first.uid and by_label.action == "opened"
    by_imeisv = workflow.on_scan(bench, "3520990017614823")
    assert by_imeisv.uid == first.uid
    assert _counts(bench)[0] == 1


def test_imeisv_creates_a_unit_known_by_both(bench) -> None:
    o = workflow.on_scan(bench, "3520990017614823")
    assert dict(o.unit.identifiers) == {"imei": IMEI, "imeisv": "3520990017614823"}
    assert workflow.on_scan(bench, IMEI).uid == o.uid


@pytest.mark.parametrize(("scan", "says"), [
    ("352099001761480", "IMEI check digit should be 1, not 0"),
    ("", "empty"),
    ("CMD:GRADE", "needs a value"),
    ("LOT-2024-17", "is a lot or pallet label, but a unit was expected"),
    ("]C100106141411234567897", "is a lot or pallet label"),
    ("]E04006381333931", "product code"),
    ("UZZZZZZZZZ", "not in this station's records"),
    ("OP-7777", "not registered"),
])
def test_bad_scans_say_why_and_store_nothing(bench, scan: str, says: str) -> None:
    before = _counts(bench)
    o = workflow.on_scan(bench, scan)
    assert o.cue == "bad" and says in o.message
    assert _counts(bench) == before


def test_lot_is_accepted_where_a_lot_is_expected(bench) -> None:
    o = workflow.on_scan(bench, "LOT-2024-17", expect="lot")
    assert (o.action, o.cue, o.classification.value) == ("lot", "good", "LOT-2024-17")


def test_gs1_serial_and_asset_tag_units(bench) -> None:
    gs1 = workflow.on_scan(bench, "]C1010950600013435221SN0001\x1d10L7")
    assert gs1.action == "created" and gs1.unit.device_class == "other"
    assert gs1.unit.identifiers == [("gs1", "(01)09506000134352(21)SN0001")]
    assert workflow.on_scan(bench, "(01)09506000134352(21)SN0001").uid == gs1.uid
    serial = workflow.on_scan(bench, "c02xk1y8jg5h")
    assert serial.unit.fields["serial"] == "C02XK1Y8JG5H" and serial.unit.identifiers == [("serial", "C02XK1Y8JG5H")]
    tag = workflow.on_scan(bench, "AT-0012345")
    assert tag.unit.identifiers == [("asset_tag", "AT-0012345")]


def test_save_intake_fields_and_serial_conflicts(bench) -> None:
    a = workflow.on_scan(bench, IMEI).uid
    b = workflow.on_scan(bench, "260531793113837").uid
    view = workflow.save_intake(bench, a, {
        "serial": " r58m12abcde ", "return_reason": "product failure", "return_category": "customer return",
        "source": "Shop 12", "lot_ref": "PO-1", "condition_notes": "cracked back glass", "usage_history": "2 years",
    })
    assert view.fields["serial"] == "R58M12ABCDE" and view.fields["condition_notes"] == "cracked back glass"
    assert ("serial", "R58M12ABCDE") in view.identifiers
    assert view.history[-1].kind == "unit.updated" and "return_reason" in view.history[-1].detail
    assert workflow.on_scan(bench, "R58M12ABCDE").uid == a
    again = workflow.save_intake(bench, a, {"return_reason": "product failure"})
    assert again.events_total == view.events_total + 1  # the scan above; no event for no change
    with pytest.raises(UserFacingError, match="already belongs to unit"):
        workflow.save_intake(bench, b, {"serial": "R58M12ABCDE"})
    with pytest.raises(UserFacingError, match="limited to 120"):
        workflow.save_intake(bench, b, {"return_reason": "x" * 121})


def test_commands_come_back_for_the_gui(bench) -> None:
    uid = workflow.on_scan(bench, IMEI).uid
    grade = workflow.on_scan(bench, "CMD:GRADE:B", current_uid=uid)
    assert (grade.action, grade.command, grade.argument, grade.step) == ("command", "GRADE", "B", "grade")
    assert workflow.on_scan(bench, "CMD:PHOTO").step == "photos"
    assert workflow.on_scan(bench, "CMD:REPRINT", current_uid=uid).command == "PRINT"
    assert workflow.on_scan(bench, "CMD:NEXT", current_uid=uid, current_step="intake").step == "grade"
    assert workflow.on_scan(bench, "CMD:NEXT", current_uid=uid, current_step="photos").step == "wipe"
    assert workflow.on_scan(bench, "CMD:NEXT").message.startswith("No unit is open")


def test_next_step_skips_the_wipe_for_units_without_data() -> None:
    assert workflow.next_step("photos", "phone") == "wipe"
    assert workflow.next_step("photos", "other") == "label"
    assert workflow.next_step("label", "phone") == "label"


def test_finish_then_rescan_asks_reprint_or_reprocess(bench) -> None:
    uid = workflow.on_scan(bench, IMEI).uid
    done = workflow.on_scan(bench, "CMD:FINISH", current_uid=uid)
    assert (done.action, done.cue) == ("finished", "good") and done.unit.stage == "finished"
    again = workflow.on_scan(bench, IMEI)
    assert (again.action, again.cue) == ("finished_unit", "repeat")
    assert "re-print its label" in again.message and "re-process" in again.message
    with pytest.raises(UserFacingError, match="already finished"):
        workflow.finish(bench, uid)
    back = workflow.on_scan(bench, "CMD:REPROCESS", current_uid=uid)
    assert back.action == "reopened" and back.unit.stage == "intake" and back.unit.finished_at is None
    assert workflow.on_scan(bench, IMEI).action == "opened"


def test_finish_checks_block_and_only_a_supervisor_overrides(bench, monkeypatch) -> None:
    def photos_missing(_s, unit: Unit) -> str | None:
        return f"Unit {unit.uid} needs 2 more photos: back, screen."

    def broken(_s, _unit: Unit) -> str | None:
        raise RuntimeError("bug")

    monkeypatch.setattr(workflow, "FINISH_CHECKS", [photos_missing, broken])
    uid = workflow.on_scan(bench, IMEI).uid
    blocked = workflow.on_scan(bench, "CMD:FINISH", current_uid=uid)
    assert (blocked.action, blocked.cue) == ("blocked", "bad")
    assert blocked.blocked[0] == f"Unit {uid} needs 2 more photos: back, screen."
    assert "failed; details are in the log" in blocked.blocked[1]  # a crashing check blocks, it never waves through
    with pytest.raises(UserFacingError, match="Only a supervisor"):
        workflow.finish(bench, uid, override_reason="customer waived photos")
    operators.sign_in_badge(bench, "OP-2001")
    assert not workflow.finish(bench, uid, override_reason="  ").finished  # an empty reason is no reason
    result = workflow.finish(bench, uid, override_reason="customer waived photos")
    assert result.finished
    with bench.store.reader() as s:
        ev = s.execute(select(Event).where(Event.kind == "unit.finished")).scalar_one()
    assert ev.operator_name == "Sam" and "customer waived photos" in ev.payload and "needs 2 more photos" in ev.payload


def test_on_finish_hooks_run_after_commit_and_never_undo_it(bench, monkeypatch) -> None:
    seen: list[str] = []

    def print_label(ctx, uid: str) -> str | None:
        with ctx.store.reader() as s:  # a separate connection sees the finished unit: it was committed
            stage = s.execute(select(Unit.stage).where(Unit.uid == uid)).scalar_one()
        seen.append(stage)
        return "Label queued for the printer."

    def offline(_ctx, _uid: str) -> str | None:
        raise UserFacingError("Printer at 10.0.0.7:9100 did not answer in 3 s; the label is queued.")

    def crashing(_ctx, _uid: str) -> str | None:
        raise RuntimeError("bug")

    monkeypatch.setattr(workflow, "ON_FINISH", [print_label, offline, crashing])
    uid = workflow.on_scan(bench, IMEI).uid
    o = workflow.on_scan(bench, "CMD:FINISH", current_uid=uid)
    assert o.action == "finished" and seen == ["finished"]
    assert "Label queued" in o.message and "did not answer in 3 s" in o.message and "crashing failed" in o.message


def test_every_event_carries_the_operator_and_the_chain_holds(bench) -> None:
    uid = workflow.on_scan(bench, IMEI).uid
    workflow.on_scan(bench, IMEI)
    workflow.save_intake(bench, uid, {"condition_notes": "scratches"})
    workflow.on_scan(bench, "CMD:FINISH", current_uid=uid)
    workflow.on_scan(bench, "CMD:SIGNOUT")
    with bench.store.reader() as s:
        rows = s.execute(select(Event.kind, Event.operator_name).order_by(Event.seq)).all()
        assert verify_store_chain(s).ok
    unit_rows = [r for r in rows if r[0].startswith("unit.") or r[0].startswith("operator.sign")]
    assert unit_rows and all(name == "Ana" for _, name in unit_rows)
    assert bench.operator is None


def test_a_scanned_serial_of_a_drive_on_the_bench_opens_a_drive_unit(bench) -> None:
    """A bare SSD scanned by its serial was an "other" unit, whose flow has no Wipe step."""
    on_bench = workflow.on_scan(bench, "14330CEF1CD1", drive_serials=frozenset({"14330CEF1CD1"}))
    assert on_bench.unit is not None and on_bench.unit.device_class == "drive"
    elsewhere = workflow.on_scan(bench, "SN77812345", drive_serials=frozenset({"14330CEF1CD1"}))
    assert elsewhere.unit is not None and elsewhere.unit.device_class == "other"
    assert workflow.next_step("photos", "drive") == "wipe"

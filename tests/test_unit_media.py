"""A unit of several media (a phone and its microSD card): each medium's job is recorded on the unit,
and the unit is sanitized only when every medium is; a failure on any one holds it, naming that medium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from station import clock, unit_media, units
from station.certs import keys
from station.certs import verify as cert_verify
from station.certs.result import MediaFacts, Status, Verification, WipeResult
from station.context import StationContext
from station.erase import jobs, ledger
from station.errors import UserFacingError
from station.models import Certificate, Unit, WipeJob
from station.wipe_record import JobKind, WipeStarted

PHONE, CARD = "DEMO-MOTO-03", "SDCARD-0042"


def _job(ctx: StationContext, job_id: str, serial: str, *, uid: str | None = None, passed: bool = True,
         status: Status = Status.FINISHED, certify: bool = False) -> str:
    """One job from start to end through the ledger, as the engines record theirs (`certify`: and its
    certificate issued, as every engine does); returns its unit."""
    phone = serial == PHONE
    kind = JobKind.PHONE_RESET if phone else JobKind.OVERWRITE
    method = "factory-reset" if phone else "clear"
    got = ledger.record_start(ctx, WipeStarted(job_id=job_id, kind=kind, device=f"/dev/{job_id}", serial=serial,
                                               method=method, verify="post-reset" if phone else "sample"),
                              unit_uid=uid)
    media = MediaFacts(path=f"/dev/{job_id}", serial=serial, kind="mobile device" if phone else "drive")
    result = WipeResult(job_id=job_id, media=media, method=method, method_type="Clear",
                        technique="factory reset (unencrypted)" if phone else "overwrite", status=status,
                        verification=Verification(mode="adb-setup-wizard" if phone else "sample", passed=passed),
                        reason="" if passed else "3 of 200 sampled ranges read back data", started_at=clock.iso())
    if certify:
        jobs.close(ctx, result, kind)
    else:
        ledger.record_end(ctx, result, kind)
    return got


def _unit(ctx: StationContext, uid: str) -> tuple[str | None, str | None, list[unit_media.Medium]]:
    with ctx.store.session() as s:
        unit = units.by_uid(s, uid)
        assert unit is not None
        return unit.wipe_status, unit.blocked_reason, unit_media.media(s, unit)


def test_a_phone_and_its_card_are_one_unit_sanitized_only_when_both_are(ctx: StationContext) -> None:
    with ctx.store.session() as s:
        phone = units.create(s, ctx.actor, {"serial": PHONE, "imei": "353627074869010"}, device_class="phone")
        uid = phone.uid
        assert unit_media.attach(s, ctx.actor, phone, CARD, what="microSD card")
        assert not unit_media.attach(s, ctx.actor, phone, CARD, what="microSD card")  # once
    assert _job(ctx, "W-card", CARD) == uid  # the card's job is the phone unit's, not a new unit
    status, _hold, found = _unit(ctx, uid)
    assert status == unit_media.PARTIAL  # the phone itself is not wiped yet: the flow stays on Wipe
    assert [(m.label, m.status) for m in found] == [(f"phone {PHONE}", None), (f"microSD card {CARD}", "sanitized")]
    _job(ctx, "W-phone", PHONE, uid=uid)
    status, hold, found = _unit(ctx, uid)
    assert status == "sanitized" and hold is None and all(m.sanitized for m in found)
    with ctx.store.reader() as s:
        assert s.execute(select(Unit.uid).join(WipeJob).where(WipeJob.serial == CARD)).scalar_one() == uid
        assert units.find(s, "serial", CARD) is None  # no stray unit for the card


def test_a_failed_medium_holds_the_unit_naming_it_until_it_passes(ctx: StationContext) -> None:
    with ctx.store.session() as s:
        phone = units.create(s, ctx.actor, {"serial": PHONE}, device_class="phone")
        uid = phone.uid
        unit_media.attach(s, ctx.actor, phone, CARD, what="microSD card")
    _job(ctx, "W-phone", PHONE, uid=uid)
    _job(ctx, "W-card", CARD, passed=False)
    status, hold, _found = _unit(ctx, uid)
    assert status == "failed"  # the phone passed, but its card did not
    assert hold is not None and f"microSD card {CARD}" in hold and "NOT sanitized" in hold and "sampled" in hold
    _job(ctx, "W-card-2", CARD)  # wiped again, and it passes
    status, hold, _found = _unit(ctx, uid)
    assert status == "sanitized" and hold is None


def test_a_medium_is_one_units_part_only(ctx: StationContext) -> None:
    with ctx.store.session() as s:
        a = units.create(s, ctx.actor, {"serial": "LAPTOP-A"}, device_class="laptop")
        b = units.create(s, ctx.actor, {"serial": "LAPTOP-B"}, device_class="laptop")
        unit_media.attach(s, ctx.actor, a, "DISK-1")
        with pytest.raises(UserFacingError, match=f"belongs to unit {a.uid}"):
            unit_media.attach(s, ctx.actor, b, "DISK-1")
        with pytest.raises(UserFacingError, match="of its own"):
            unit_media.attach(s, ctx.actor, a, "LAPTOP-B")
        uid = a.uid
    _job(ctx, "W-disk", "DISK-1")
    status, _hold, found = _unit(ctx, uid)
    assert status == "sanitized" and [m.label for m in found] == ["drive DISK-1"]  # a laptop is its drive


def _certificate(ctx: StationContext, cert_id: str | None) -> dict:  # type: ignore[type-arg]
    with ctx.store.reader() as s:
        row = s.get(Certificate, cert_id)
        assert row is not None
        data = Path(row.json_path).read_bytes()
    report = cert_verify.verify_bytes(data, trusted=keys.load_or_create(ctx.data).public)
    assert report.ok, report.checks  # `station cert verify` accepts it as it stands
    return json.loads(data)["certificate"]


def test_the_certificate_names_every_medium_with_its_own_method_and_verification(ctx: StationContext) -> None:
    with ctx.store.session() as s:
        phone = units.create(s, ctx.actor, {"serial": PHONE}, device_class="phone")
        uid = phone.uid
        unit_media.attach(s, ctx.actor, phone, CARD, what="microSD card")
    _job(ctx, "W-phone", PHONE, uid=uid, certify=True)
    with ctx.store.reader() as s:
        first = s.get(WipeJob, "W-phone").certificate_id  # type: ignore[union-attr]
    body = _certificate(ctx, first)  # the phone's own: its card not wiped yet, and it says so
    assert body["sanitized"] and not body["unit"]["all_media_sanitized"]
    assert [(m["medium"], m["status"]) for m in body["unit"]["media"]] == [
        (f"phone {PHONE}", "sanitized"), (f"microSD card {CARD}", "not wiped")]
    _job(ctx, "W-card", CARD, certify=True)
    with ctx.store.reader() as s:
        last = units.by_uid(s, uid).certificate_id  # type: ignore[union-attr]
    body = _certificate(ctx, last)  # the unit's certificate now: both media, each with its own method and check
    assert body["unit"]["all_media_sanitized"] and body["drive"]["serial"] == CARD
    assert [(m["medium"], m["status"], m["method"], m["verification"], m["verified"], m["job_id"])
            for m in body["unit"]["media"]] == [
        (f"phone {PHONE}", "sanitized", "factory-reset", "adb-setup-wizard", True, "W-phone"),
        (f"microSD card {CARD}", "sanitized", "clear", "sample", True, "W-card")]
    assert "medium" not in body["unit"]["identifiers"]  # listed once, as media

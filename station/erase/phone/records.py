"""What a phone leaves in the store: its unit, its pre-check flags, its wipe job and the events."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from station import clock, events, units
from station.certs.result import Status, WipeResult
from station.context import StationContext
from station.devices.phone.identity import PhoneIdentity
from station.erase import jobs, ledger
from station.erase.phone.prechecks import PhoneBlocked, Prechecks
from station.erase.phone.reset import Progress
from station.errors import Cancelled, DeviceError
from station.i18n import _, shown
from station.models import PhoneCheck, Unit
from station.prompt import OperatorPrompt
from station.wipe_record import JobKind, StartedVerify, WipeStarted

BLOCK_PREFIX = "Phone pre-check: "  # marks the blocks this module may lift again once the phone passes


def join_unit(ctx: StationContext, identity: PhoneIdentity) -> str:
    """The unit this phone is (matched by IMEI, then serial, as scanned at intake), or a new one."""
    return join_ids(ctx, identity.serial, identity.imei, identity.device_class, identity.manufacturer,
                    identity.model, identity.to_dict(), capacity=identity.capacity)


def join_ids(ctx: StationContext, serial: str, imei: str | None, device_class: str, make: str, model: str,
             payload: dict[str, Any], *, capacity: str | None = None) -> str:
    """Match by IMEI, then serial (an Android phone or an iPhone alike), or create the unit.
    `capacity` (the marketed size the phone's storage gives) fills the unit's when it has none: a
    capacity the technician typed is theirs to correct, never the probe's."""
    with ctx.store.session() as s:
        by_imei = units.find(s, "imei", imei) if imei else None
        by_serial = units.find(s, "serial", serial)
        unit = by_imei or by_serial
        payload = dict(payload)
        if unit is None:
            ids = {"serial": serial} | ({"imei": imei} if imei else {})
            unit = units.create(s, ctx.actor, ids, device_class=device_class, make=make or None, model=model or None,
                                **({"capacity": capacity} if capacity else {}))
            payload["matched_by"] = "new unit"
        else:
            payload["matched_by"] = "imei" if by_imei is not None else "serial"
            if by_imei is not None and by_serial is not None and by_imei.id != by_serial.id:
                payload["conflict"] = f"serial {serial} is also on unit {by_serial.uid}"
            for kind, value in (("imei", imei), ("serial", serial)):
                if value and (units.find(s, kind, value) is None):
                    units.add_identifier(s, unit, kind, value)
            units.touch(unit, make=unit.make or make or None, model=unit.model or model or None,
                        device_class=device_class if unit.device_class == "other" else unit.device_class)
            if capacity and not unit.capacity:  # the hub reads a unit's capacity from unit.updated
                units.touch(unit, capacity=capacity)
                events.append(s, ctx.actor, "unit.updated", {"changed": {"capacity": [None, capacity]},
                                                             "by": "phone probe"}, unit)
        events.append(s, ctx.actor, "phone.identified", payload, unit)
        return unit.uid


def record_prechecks(ctx: StationContext, uid: str, identity: PhoneIdentity, checks: Prechecks) -> None:
    """The phone's flags as a PhoneCheck row and an event; a blocked phone blocks its unit."""
    facts = checks.flags()
    boot = facts.get("verified_boot", {})
    owner = next((c.facts.get("device_owner") for c in checks.checks if c.key == "device_owner"), None)
    record_checks(ctx, uid, checks, PhoneCheck(
        serial=identity.serial, imei=identity.imei, android_version=identity.android_version,
        security_patch=identity.security_patch, encryption=checks.encryption, method_type=checks.method_type,
        verified_boot=boot.get("verified_boot"), bootloader_locked=boot.get("bootloader_locked"),
        rooted=checks.rooted, frp_account=any(c.key == "google_account" and c.outcome == "block"
                                              for c in checks.checks),
        device_owner=owner, blocked=bool(checks.blocking)))


def record_checks(ctx: StationContext, uid: str, checks: Prechecks, row: PhoneCheck) -> None:
    """Store the row (its account-lock flag is what the route gates read) and block or free the unit."""
    with ctx.store.session() as s:
        unit = _unit(s, uid)
        row.unit_id, row.checks, row.created_at = unit.id, events.canonical(checks.to_dict()), clock.iso()
        s.add(row)
        events.append(s, ctx.actor, "phone.prechecked", checks.to_dict(), unit)
        from station.disposition import reconsider  # an account found closes any sale route already chosen

        reconsider(s, ctx.actor, unit, "phone check")
        if checks.blocking:
            reason = BLOCK_PREFIX + checks.reason()
            units.touch(unit, blocked_reason=reason)
            events.append(s, ctx.actor, "unit.blocked", {"reason": reason, "by": "phone pre-check"}, unit)
        elif unit.blocked_reason and unit.blocked_reason.startswith(BLOCK_PREFIX):
            units.touch(unit, blocked_reason=None)
            events.append(s, ctx.actor, "unit.updated", {"blocked_reason": None, "by": "phone pre-check"}, unit)


def start_job(ctx: StationContext, uid: str, result: WipeResult, kind: JobKind = JobKind.PHONE_RESET) -> None:
    # the ledger reads the kind from it
    verify: StartedVerify = "iphone-erase" if kind is JobKind.IPHONE_ERASE else "post-reset"
    ledger.record_start(ctx, WipeStarted(
        job_id=result.job_id, kind=kind, device=result.media.path, serial=result.media.serial,
        method=result.method, verify=verify, model=result.media.model, bus=result.media.bus),
        unit_uid=uid, in_process=True, started_at=result.started_at)


def run_job(ctx: StationContext, uid: str, name: str, checks: Prechecks, result: WipeResult, kind: JobKind,
            prompt: OperatorPrompt, report: Progress, work: Callable[[], None]) -> jobs.Finished:
    """One phone erase, Android or iPhone, from its pre-checks to its certificate: refused when a check
    blocks; else the job is recorded, `work` erases and verifies into the result, and its end is
    recorded with its document (a certificate, or a signed report that it is NOT sanitized) as a
    drive's is: a certificate that cannot be issued is kept on the Finished, never raised."""
    if checks.blocking:
        raise PhoneBlocked(name, result.media.serial, uid, checks)
    for warning in checks.warnings:
        prompt.tell(_("Note: {title}. {detail} {action}").format(
            title=shown(warning.title), detail=shown(warning.detail), action=shown(warning.action)).strip())
    start_job(ctx, uid, result, kind)
    try:
        work()
    except Cancelled:
        result.status, result.reason = Status.ABORTED, "Stopped by the technician."
    except DeviceError as exc:
        result.status, result.reason = Status.FAILED, str(exc)
    finally:
        result.ended_at = clock.iso()
    finished = jobs.close(ctx, result, kind, uid)
    report(1.0, "Sanitized" if result.sanitized else "Not sanitized")
    return finished


def store_photo(ctx: StationContext, uid: str, path: Path) -> dict[str, Any]:
    """Keep the technician's photo as a content-addressed blob queued for upload."""
    content = path.read_bytes()
    digest = events.store_blob(ctx.data, content)
    with ctx.store.session() as s:
        events.enqueue_blob(s, digest)
        unit = _unit(s, uid)
        events.append(s, ctx.actor, "unit.updated", {"evidence_photo": digest, "for": "phone reset"}, unit)
    return {"sha256": digest, "bytes": len(content), "file": path.name}


def _unit(s: Any, uid: str) -> Unit:
    unit = units.by_uid(s, uid)
    if unit is None:
        raise LookupError(f"unit {uid} vanished from the store")
    return unit


"""The wipe ledger: where every wipe job of every kind is recorded, start and end.

`record_start()` writes the WipeJob row, joins (or creates) the unit and appends
`wipe.started`; `record_end()` closes the row once, appends `wipe.finished` or
`wipe.interrupted` and sets the unit's wipe status (combined over its media, see
station/unit_media.py), all in one transaction each. The
payloads are station.wipe_record's `WipeStarted` / `WipeEnded`, whichever engine ran the
job, so the station's exports and the hub read one shape.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from station import clock, events, unit_media, units
from station.certs.result import WipeResult
from station.context import StationContext
from station.errors import UserFacingError
from station.i18n import _
from station.models import Unit, WipeJob
from station.value import capacity
from station.wipe_record import JobKind, WipeEnded, WipeStarted


def record_start(ctx: StationContext, start: WipeStarted, *, unit_uid: str | None = None, make: str = "",
                 device_class: str = "drive", job_dir: Path | None = None, in_process: bool = False,
                 started_at: str = "") -> str:
    """Record a job before any work starts (a crash in between stays recoverable); returns the unit's uid.

    Without `unit_uid`, the unit is the one the job's serial is attached to as a medium (a phone's
    microSD card, a laptop's drive), else the one with that serial, created when new. `in_process`:
    the job runs in this process (a firmware erase, a phone reset), so recovery checks its pid."""
    with ctx.store.session() as s:
        unit = units.by_uid(s, unit_uid) if unit_uid else unit_media.holder(s, start.serial)
        if unit is None:
            unit, _created = units.get_or_create(s, ctx.actor, "serial", start.serial, device_class=device_class,
                                          make=make or None, model=start.model or None)
        if unit.serial == start.serial and not unit.model and start.model:
            # A drive scanned in by its serial has no model until the drive tells it (the label's model line).
            units.touch(unit, model=start.model)
        size = capacity.drive(start.size_bytes) if unit.device_class == "drive" else None
        if size and not unit.capacity:  # a drive sold on its own is sold by its size; a typed one stands
            units.touch(unit, capacity=size)
            events.append(s, ctx.actor, "unit.updated", {"changed": {"capacity": [None, size]}, "by": "drive size"},
                          unit)
        s.add(WipeJob(id=start.job_id, unit_id=unit.id, device=start.device, model=start.model or None,
                      serial=start.serial, size_bytes=start.size_bytes, method=start.method, verify=start.verify,
                      status="RUNNING", job_dir=str(job_dir) if job_dir else None,
                      operator_id=ctx.actor.operator_id, started_at=started_at or clock.iso(),
                      pid=os.getpid() if in_process else None))
        events.append(s, ctx.actor, "wipe.started", start.payload(), unit)
        return unit.uid


# What a job's verify column says about its kind (the row has no kind column of its own).
_KIND_BY_VERIFY = {"firmware": JobKind.FIRMWARE, "post-reset": JobKind.PHONE_RESET,
                   "iphone-erase": JobKind.IPHONE_ERASE}


def kind_of(row: WipeJob) -> JobKind:
    return _KIND_BY_VERIFY.get(row.verify, JobKind.OVERWRITE)


def set_pid(ctx: StationContext, job_id: str, pid: int) -> None:
    """The worker process of a job, once it runs (recovery looks for it)."""
    with ctx.store.session() as s:
        row = s.get(WipeJob, job_id)
        if row is not None:
            row.pid = pid


def ended_from(result: WipeResult, kind: JobKind, serial: str = "") -> WipeEnded:
    v = result.verification
    return WipeEnded(
        job_id=result.job_id, kind=kind, status=result.status, sanitized=result.sanitized, method=result.method,
        method_type=result.method_type, technique=result.technique, serial=serial or result.media.serial,
        reason=result.reason, verify=v.mode if v else "none", verified=v.passed if v else None,
        bytes_written=result.bytes_written, bytes_verified=v.bytes_read if v else 0,
        bad_ranges=len(result.bad_ranges), commands=len(result.commands),
        erase_means=str(result.media.extra.get("erase_means") or ""))


@dataclass(frozen=True)
class Ended:
    unit_uid: str | None
    recorded: bool  # False: the job's end was already recorded (another window, an earlier call)


def record_end(ctx: StationContext, result: WipeResult, kind: JobKind) -> Ended:
    """Close a RUNNING job once: row, `wipe.finished`/`wipe.interrupted` event, the unit's wipe status."""
    with ctx.store.session() as s:
        row = s.get(WipeJob, result.job_id)
        if row is None:
            raise UserFacingError(_("Wipe job {job_id} is not in this station's database.").format(
                    job_id=result.job_id))
        unit = s.get(Unit, row.unit_id) if row.unit_id else None
        uid = unit.uid if unit is not None else None
        if row.status != "RUNNING":
            return Ended(uid, recorded=False)
        end = ended_from(result, kind, row.serial or "")
        row.status, row.reason = end.status.value, end.reason or None
        row.bytes_written, row.bytes_verified = end.bytes_written, end.bytes_verified
        row.ended_at = result.ended_at or clock.iso()
        events.append(s, ctx.actor, end.event_kind, end.payload(), unit)
        if unit is not None:
            # a unit of several media is sanitized only when every one of them is
            units.touch(unit, wipe_status=unit_media.settle(s, ctx.actor, unit, end.unit_status))
            from station.disposition import reconsider  # a failed re-wipe must not leave a resale route

            reconsider(s, ctx.actor, unit, f"wipe {end.unit_status}")
        return Ended(uid, recorded=True)

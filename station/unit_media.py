"""A unit's media: every storage in it that must be sanitized before the unit is.

A phone holds its own storage and may carry a microSD card; a laptop is sanitized through
its drive. A medium other than the unit's own storage is attached to the unit by its serial
number (a `medium` identifier and a `unit.medium_attached` event); from then on every wipe
job of that serial is recorded on this unit (erase/ledger.py), and the unit's wipe status
combines its media: `sanitized` only when the newest job of every medium sanitized and
verified it. A failure on any medium fails the unit and holds it, with a reason that names
the medium; a medium not wiped yet leaves the unit `partial`, so the flow stays on Wipe.

A unit with no attached medium keeps the status of its newest job, as it always had.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import events, units
from station.errors import UserFacingError
from station.i18n import N_, _, composed
from station.models import Event, Unit, UnitIdentifier, WipeJob
from station.wipe_record import ENDED, WipeEnded

MEDIUM = "medium"  # the UnitIdentifier kind of an attached medium's serial
ATTACHED = "unit.medium_attached"
# The unit's wipe status from all its media, after each job's end: the hub reads it, since the
# newest job alone (a phone sanitized after its card failed) would say "sanitized".
SETTLED = "unit.wipe_settled"
PARTIAL = "partial"  # some medium is not wiped yet
HOLD_PREFIX = "Wipe: "  # data: marks the holds this module sets, and so may lift again; its templates begin with it
# Classes whose own storage is a medium (wiped through the unit itself); a laptop's is its drive.
OWN_STORAGE = frozenset({"phone", "tablet", "drive"})
# The hold stays English on the unit and in unit.blocked; the screen shows it through i18n.shown().
MEDIUM_FAILED, MEDIUM_FAILED_BECAUSE = composed(
    N_("Wipe: the {medium} was NOT sanitized; every medium of the unit must pass."),
    N_("Wipe: the {medium} was NOT sanitized ({reason}); every medium of the unit must pass."))


@dataclass(frozen=True)
class Medium:
    serial: str
    label: str  # "phone DEMO-MOTO-03", "microSD card SIM4-1A2B3C4D"
    own: bool  # the unit's own storage, not an attached medium
    status: str | None  # the newest ended job's: sanitized | failed | interrupted | aborted; None: not wiped yet
    running: bool = False
    job_id: str = ""
    method: str = ""
    method_type: str = ""
    verify: str = ""
    verified: bool | None = None
    reason: str = ""

    @property
    def sanitized(self) -> bool:
        return self.status == "sanitized"

    def facts(self) -> dict[str, object]:
        """What a certificate says about this medium (docs/certificate-schema.md, `unit.media`)."""
        # data: the certificate's fields
        return {"medium": self.label, "serial": self.serial, "own": self.own, "status": self.status or "not wiped",
                "sanitized": self.sanitized, "job_id": self.job_id, "method": self.method,
                "method_type": self.method_type, "verification": self.verify, "verified": self.verified}


def attached(s: Session, unit: Unit) -> list[str]:
    return list(s.execute(select(UnitIdentifier.value).where(
        UnitIdentifier.unit_id == unit.id, UnitIdentifier.kind == MEDIUM).order_by(UnitIdentifier.id)).scalars())


def holder(s: Session, serial: str) -> Unit | None:
    """The unit a medium with this serial is attached to, if any."""
    return units.find(s, MEDIUM, serial) if serial else None


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]  # "MicroSD card", not "Microsd card"


def attach(s: Session, actor: events.Actor, unit: Unit, serial: str, *, what: str = "drive",
           model: str = "") -> bool:
    """Attach a medium (by its serial) to `unit`; False when it already is. Refused when the medium
    is another unit's, or is itself a unit with a history (then it is that unit, not a part)."""
    serial = serial.strip()
    if not serial:
        raise UserFacingError(_("This medium tells no serial number, so it cannot be attached to a unit; "
                                "wipe it as a unit of its own."))
    other = holder(s, serial)
    if other is not None:
        if other.id == unit.id:
            return False
        raise UserFacingError(_("{what} {serial} belongs to unit {uid}; open that unit to wipe it, or finish it "
                                "first.").format(what=_upper_first(what), serial=serial, uid=other.uid))
    own = units.find(s, "serial", serial)
    if own is not None and own.id != unit.id:
        raise UserFacingError(_("{what} {serial} is unit {uid} of its own; it cannot also be a part of "
                                "{unit}.").format(what=_upper_first(what), serial=serial, uid=own.uid, unit=unit.uid))
    units.add_identifier(s, unit, MEDIUM, serial)
    events.append(s, actor, ATTACHED, {"serial": serial, "what": what, "model": model}, unit)
    return True


def _labels(s: Session, unit: Unit) -> dict[str, str]:
    out = {}
    for payload in s.execute(select(Event.payload).where(Event.unit_id == unit.id, Event.kind == ATTACHED)).scalars():
        p = json.loads(payload)
        out[str(p.get("serial", ""))] = " ".join(x for x in (str(p.get("what") or "drive"), str(p.get("serial"))) if x)
    return out


def media(s: Session, unit: Unit) -> list[Medium]:
    """The unit's media and where each one's wipe stands (own storage first, then as attached)."""
    s.flush()  # a job's end written in this transaction counts
    extra = attached(s, unit)
    ends: dict[str, WipeEnded] = {}  # serial -> newest end
    for payload in s.execute(select(Event.payload).where(Event.unit_id == unit.id, Event.kind.in_(ENDED))
                             .order_by(Event.seq)).scalars():
        end = WipeEnded.from_payload(json.loads(payload))
        ends[end.serial if end.serial in extra else ""] = end
    running = {(r if r in extra else "") for r in s.execute(select(WipeJob.serial).where(
        WipeJob.unit_id == unit.id, WipeJob.status == "RUNNING")).scalars()}
    keys = ([""] if unit.device_class in OWN_STORAGE or "" in ends or "" in running else []) + extra
    labels = _labels(s, unit)
    out = []
    for key in keys:
        got = ends.get(key)
        own_serial = unit.serial or unit.imei or unit.uid
        label = f"{unit.device_class} {own_serial}" if not key else labels.get(key, key)
        out.append(Medium(
            serial=key or own_serial, label=label, own=not key, status=got.unit_status if got else None,
            running=key in running, job_id=got.job_id if got else "", method=got.method if got else "",
            method_type=got.method_type if got else "", verify=got.verify if got else "",
            verified=got.verified if got else None, reason=got.reason if got else ""))
    return out


def combined(found: list[Medium]) -> tuple[str, str | None]:
    """The unit's wipe status from its media, and the reason to hold it (naming the medium), if any."""
    for m in found:
        if m.status == "failed":
            hold = (MEDIUM_FAILED_BECAUSE.format(medium=m.label, reason=m.reason) if m.reason
                    else MEDIUM_FAILED.format(medium=m.label))
            return "failed", hold
    if found and all(m.sanitized for m in found):
        return "sanitized", None
    for m in found:
        if m.status in ("interrupted", "aborted"):
            return m.status, None
    return PARTIAL, None


def settle(s: Session, actor: events.Actor, unit: Unit, newest: str) -> str:
    """The unit's wipe status after a job ended whose own status is `newest`; holds or frees the unit."""
    if not attached(s, unit):
        return newest
    status, hold = combined(media(s, unit))
    events.append(s, actor, SETTLED, {"status": status, "reason": hold}, unit)
    if hold:
        units.touch(unit, blocked_reason=hold)
        events.append(s, actor, "unit.blocked", {"reason": hold, "by": "wipe"}, unit)
    elif unit.blocked_reason and unit.blocked_reason.startswith(HOLD_PREFIX):
        units.touch(unit, blocked_reason=None)
        events.append(s, actor, "unit.updated", {"blocked_reason": None, "by": "wipe"}, unit)
    return status

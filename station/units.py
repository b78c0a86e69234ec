"""Find and create units by any identifier they answer to.

Shared by intake scans, drive discovery and phone discovery, so a drive wiped on the
bench and the same drive scanned at intake are one unit.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import clock, events
from station.models import Unit, UnitIdentifier

# Crockford base32 without I, L, O, U: unambiguous when read aloud or retyped.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_uid() -> str:
    """'U' + 9 random base32 characters: short enough for a 2x1 in label, ~45 bits."""
    return "U" + "".join(secrets.choice(_ALPHABET) for _ in range(9))


def by_uid(s: Session, uid: str) -> Unit | None:
    return s.execute(select(Unit).where(Unit.uid == uid)).scalar_one_or_none()


def find(s: Session, kind: str, value: str) -> Unit | None:
    """The unit that answers to this identifier (kind as classified: imei, serial, ...)."""
    if kind == "unit":
        return by_uid(s, value)
    return s.execute(
        select(Unit).join(UnitIdentifier).where(UnitIdentifier.kind == kind, UnitIdentifier.value == value)
    ).scalar_one_or_none()


def find_any(s: Session, value: str) -> Unit | None:
    """The unit answering to `value` under any kind (unit id first)."""
    unit = by_uid(s, value)
    if unit is not None:
        return unit
    return s.execute(
        select(Unit).join(UnitIdentifier).where(UnitIdentifier.value == value).limit(1)
    ).scalar_one_or_none()


def add_identifier(s: Session, unit: Unit, kind: str, value: str) -> None:
    exists = s.execute(
        select(UnitIdentifier.id).where(UnitIdentifier.kind == kind, UnitIdentifier.value == value)
    ).first()
    if exists is None:
        s.add(UnitIdentifier(unit_id=unit.id, kind=kind, value=value))
    if kind == "imei" and not unit.imei:
        unit.imei = value
    if kind == "serial" and not unit.serial:
        unit.serial = value


def create(
    s: Session, actor: events.Actor, identifiers: dict[str, str], *, source_event: str = "unit.created",
    **fields: Any,
) -> Unit:
    """A new unit with its identifiers and a creation event, in the caller's transaction."""
    now = clock.iso()
    unit = Unit(uid=new_uid(), created_at=now, updated_at=now, operator_id=actor.operator_id, **fields)
    while by_uid(s, unit.uid) is not None:  # 45 bits: practically never, but never twice
        unit.uid = new_uid()
    s.add(unit)
    s.flush()
    for kind, value in identifiers.items():
        add_identifier(s, unit, kind, value)
    events.append(s, actor, source_event, {"identifiers": identifiers, **fields}, unit)
    return unit


def get_or_create(
    s: Session, actor: events.Actor, kind: str, value: str, **fields: Any
) -> tuple[Unit, bool]:
    unit = find(s, kind, value)
    if unit is not None:
        return unit, False
    return create(s, actor, {kind: value}, **fields), True


def touch(unit: Unit, **fields: Any) -> None:
    for k, v in fields.items():
        setattr(unit, k, v)
    unit.updated_at = clock.iso()

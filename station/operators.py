"""Operators: who is at the bench. Sign in by badge scan or PIN; roles technician and supervisor.

PINs are stored only as scrypt hashes with a per-PIN random salt. After
`operators.max_pin_attempts` wrong PINs an operator is locked out for
`operators.lockout_minutes` (badge included: a lockout means the account is locked
until it ends or a supervisor unlocks it). Every change is an event; the operator
who signs in becomes `ctx.operator`, which stamps every later event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station import clock, events
from station.context import Operator, StationContext
from station.errors import UserFacingError
from station.i18n import _
from station.limits import OPERATOR_NAME_MAX
from station.models import Operator as OperatorRow

ROLES = ("technician", "supervisor")
_PIN = re.compile(r"\d{4,12}")
# scrypt cost: 16 MiB and roughly 50 ms per check; slow enough to make guessing a leaked hash costly.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str) -> str:
    """'scrypt$N$r$p$salt$hash' (base64); never the PIN."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


@dataclass(frozen=True)
class OperatorInfo:
    """One operator as `station operator list` and the sign-in dialog show it."""

    id: int
    name: str
    role: str
    badge: str | None
    has_pin: bool
    active: bool
    locked_until: str | None


def _info(row: OperatorRow) -> OperatorInfo:
    locked = row.locked_until if row.locked_until and row.locked_until > clock.iso() else None
    return OperatorInfo(row.id, row.name, row.role, row.badge, bool(row.pin_hash), row.active, locked)


def _by_name(s: Session, name: str) -> OperatorRow:
    q = select(OperatorRow).where(func.lower(OperatorRow.name) == name.strip().lower())
    row = s.execute(q).scalar_one_or_none()
    if row is None:
        raise UserFacingError(_("There is no operator named '{name}'; 'station operator list' shows who "
                                "exists.").format(name=name))
    return row


def add(ctx: StationContext, name: str, role: str = "technician", badge: str | None = None,
        pin: str | None = None) -> OperatorInfo:
    """A new operator. The badge must look like a badge to the scanner (scanner.badge_pattern)."""
    from station.identifiers import classify

    name = " ".join(name.split())
    if not name:
        raise UserFacingError(_("An operator needs a name."))
    if len(name) > OPERATOR_NAME_MAX:  # the hub refuses longer: every event this operator signs would stall
        raise UserFacingError(_("An operator name has at most {OPERATOR_NAME_MAX} characters; this one has "
                                "{length}. Use a shorter name.").format(
                OPERATOR_NAME_MAX=OPERATOR_NAME_MAX, length=len(name)))
    if role not in ROLES:
        raise UserFacingError(_("Role must be technician or supervisor, not '{role}'.").format(role=role))
    if badge:
        badge = badge.strip().upper()
        if classify(badge, ctx.config).kind != "badge":
            raise UserFacingError(
                _("Badge '{badge}' does not match scanner.badge_pattern ({scanner_badge_pattern}), so "
                  "scanning it would not sign anyone in; use a badge number of that form.").format(
                        badge=badge, scanner_badge_pattern=ctx.config['scanner.badge_pattern'])
            )
    if pin is not None and not _PIN.fullmatch(pin):
        raise UserFacingError(_("A PIN is 4 to 12 digits."))
    if not badge and pin is None:
        raise UserFacingError(_("An operator needs a badge or a PIN to sign in with."))
    with ctx.store.session() as s:
        if s.execute(select(OperatorRow.id).where(func.lower(OperatorRow.name) == name.lower())).first():
            raise UserFacingError(_("An operator named '{name}' already exists.").format(name=name))
        if badge and s.execute(select(OperatorRow.name).where(OperatorRow.badge == badge)).first():
            raise UserFacingError(_("Badge {badge} already belongs to another operator.").format(badge=badge))
        row = OperatorRow(name=name, role=role, badge=badge or None, pin_hash=hash_pin(pin) if pin else None,
                          failed_attempts=0, active=True, created_at=clock.iso())
        s.add(row)
        s.flush()
        events.append(s, ctx.actor, "operator.admin",
                      {"action": "add", "operator_id": row.id, "operator": name, "role": role, "badge": badge})
        return _info(row)


def list_operators(ctx: StationContext, *, active_only: bool = False) -> list[OperatorInfo]:
    with ctx.store.reader() as s:
        q = select(OperatorRow).order_by(OperatorRow.name)
        if active_only:
            q = q.where(OperatorRow.active.is_(True))
        return [_info(r) for r in s.execute(q).scalars()]


def _check_usable(row: OperatorRow) -> None:
    if not row.active:
        raise UserFacingError(_("{name} is deactivated; ask a supervisor.").format(name=row.name))
    if row.locked_until and row.locked_until > clock.iso():
        until = clock.parse(row.locked_until).astimezone().strftime("%H:%M")
        raise UserFacingError(_("{name} is locked out after too many wrong PINs until {until}; wait, or ask "
                                "a supervisor to unlock ('station operator unlock').").format(
                name=row.name, until=until))


def _sign_in(ctx: StationContext, s: Session, row: OperatorRow, method: str) -> Operator:
    row.failed_attempts, row.locked_until = 0, None
    previous = ctx.operator
    if previous is not None and previous.id != row.id:
        events.append(s, ctx.actor, "operator.signed_out", {"operator_id": previous.id, "reason": "switched"})
    op = Operator(row.id, row.name, row.role)
    actor = events.Actor(ctx.station_id, op.id, op.name)
    events.append(s, actor, "operator.signed_in", {"operator_id": op.id, "role": op.role, "method": method})
    return op


def sign_in_badge(ctx: StationContext, badge: str) -> Operator:
    badge = badge.strip().upper()
    with ctx.store.session() as s:
        row = s.execute(select(OperatorRow).where(OperatorRow.badge == badge)).scalar_one_or_none()
        if row is None:
            raise UserFacingError(_("Badge {badge} is not registered; ask a supervisor to add it ('station "
                                    "operator add NAME --badge ...').").format(badge=badge))
        _check_usable(row)
        op = _sign_in(ctx, s, row, "badge")
    ctx.operator = op
    return op


def sign_in_pin(ctx: StationContext, name: str, pin: str) -> Operator:
    """Sign in by name and PIN; wrong PINs count toward a lockout, kept even though this call fails.

    Every wrong PIN is an event. The refusal reads the same whether the name exists, has no PIN
    or the PIN is wrong, so the sign-in box cannot be used to learn who works here.
    """
    limit, minutes = ctx.config.get_int("operators.max_pin_attempts"), ctx.config.get_int("operators.lockout_minutes")
    failure: str | None = None
    with ctx.store.session() as s:
        row = s.execute(select(OperatorRow).where(func.lower(OperatorRow.name) == name.strip().lower())
                        ).scalar_one_or_none()
        if row is not None and row.locked_until and row.locked_until > clock.iso():
            _check_usable(row)  # a lockout holds even against the right PIN
        if row is not None and row.pin_hash and verify_pin(pin, row.pin_hash):
            _check_usable(row)
            op = _sign_in(ctx, s, row, "pin")
        else:
            failure = (f"That name and PIN do not match. After {limit} wrong PINs in a row a name is locked for "
                       f"{minutes} minutes; operators without a PIN sign in with their badge.")
            payload: dict[str, object] = {"operator_id": None, "name": name.strip()[:120]}
            if row is not None and row.pin_hash:  # no PIN, nothing to guess: nothing to lock
                # The count survives this failed sign-in: the transaction commits, then we raise.
                row.failed_attempts = (row.failed_attempts or 0) + 1
                payload = {"operator_id": row.id, "operator": row.name, "attempt": row.failed_attempts}
            events.append(s, ctx.actor, "operator.pin_failed", payload)
            if row is not None and row.pin_hash and row.failed_attempts >= limit:
                row.locked_until = clock.iso(clock.now() + timedelta(minutes=minutes))
                row.failed_attempts = 0
                events.append(s, ctx.actor, "operator.locked_out",
                              {"operator_id": row.id, "operator": row.name, "minutes": minutes})
                failure = f"Too many wrong PINs: that name is locked out for {minutes} minutes."
    if failure:
        raise UserFacingError(failure)
    ctx.operator = op
    return op


def sign_out(ctx: StationContext) -> None:
    if ctx.operator is None:
        return
    with ctx.store.session() as s:
        events.append(s, ctx.actor, "operator.signed_out", {"operator_id": ctx.operator.id, "reason": "signed out"})
    ctx.operator = None


def _admin(ctx: StationContext, name: str, action: str) -> OperatorInfo:
    with ctx.store.session() as s:
        row = _by_name(s, name)
        if action == "unlock":
            row.failed_attempts, row.locked_until = 0, None
        elif action == "deactivate":
            row.active = False
        events.append(s, ctx.actor, "operator.admin", {"action": action, "operator_id": row.id, "operator": row.name})
        return _info(row)


def unlock(ctx: StationContext, name: str) -> OperatorInfo:
    return _admin(ctx, name, "unlock")


def deactivate(ctx: StationContext, name: str) -> OperatorInfo:
    return _admin(ctx, name, "deactivate")


DEMO_OPERATORS = (
    ("Demo Technician", "technician", "OP-0001", "1111"),
    ("Demo Supervisor", "supervisor", "OP-0002", "2222"),
)


def ensure_demo_operators(ctx: StationContext) -> bool:
    """In demo mode on an empty station, two operators to sign in with (badges OP-0001/OP-0002)."""
    with ctx.store.reader() as s:
        if s.execute(select(func.count()).select_from(OperatorRow)).scalar_one():
            return False
    for name, role, badge, pin in DEMO_OPERATORS:
        add(ctx, name, role, badge, pin)
    return True

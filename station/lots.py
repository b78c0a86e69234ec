"""Auction lots of consistent class, model, grade, functional level and defects, and their manifests.

A lot's rule (class, model, sale grade) is set when it is created, or taken from the first unit
added; the first unit also sets the lot's functional code and defects, because a sale grade like
"A-" covers both "functional defects" and "does not power on". A unit that does not fit is refused
with a warning naming what differs, unless added with `force` (the mismatch is recorded in the
event). Some units never enter a sale lot, force or not: a data-bearing unit whose sanitization has
not passed (R2v3 Appendix B), a unit a route gate holds (locked, locks not checked, beyond repair,
no power, swollen battery) and a unit routed elsewhere than a sale (parts, recycling, hold...).
A unit is in one open lot at a time. Manifests are built in station/lot_manifest.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station import clock, disposition, events, units
from station.context import StationContext
from station.disposition import SALE_ROUTES
from station.disposition_gates import facts_for, gate_overridden, gates
from station.errors import UserFacingError
from station.i18n import _
from station.models import Lot, LotUnit, Unit


class LotMismatch(UserFacingError):
    """The unit does not fit the lot's rule; add it with force to add it anyway."""

    def __init__(self, message: str, mismatches: list[str]) -> None:
        super().__init__(message)
        self.mismatches = mismatches


@dataclass(frozen=True)
class LotInfo:
    code: str
    device_class: str | None
    model: str | None
    grade: str | None
    status: str
    created_at: str
    count: int

    @property
    def rule(self) -> str:
        parts = [self.device_class or "any class", self.model or "any model", self.grade or "any grade"]
        return " / ".join(parts)


@dataclass(frozen=True)
class Added:
    lot: LotInfo
    unit_uid: str
    forced: bool
    mismatches: tuple[str, ...] = ()


def _info(s: Session, lot: Lot) -> LotInfo:
    count = s.execute(select(func.count()).select_from(LotUnit).where(LotUnit.lot_id == lot.id)).scalar_one()
    return LotInfo(lot.code, lot.device_class, lot.model, lot.grade, lot.status, lot.created_at, int(count))


def get(s: Session, code: str) -> Lot:
    lot = s.execute(select(Lot).where(Lot.code == code.strip().upper())).scalar_one_or_none()
    if lot is None:
        raise UserFacingError(_("There is no lot '{code}'. Create it first ('station lots create' or Ctrl+N "
                                "in the lot dialog).").format(code=code))
    return lot


def _next_code(s: Session) -> str:
    day = clock.now().strftime("%y%m%d")
    taken = set(s.execute(select(Lot.code).where(Lot.code.like(f"LOT-{day}-%"))).scalars())
    n = 1
    while f"LOT-{day}-{n:03d}" in taken:
        n += 1
    return f"LOT-{day}-{n:03d}"


def create(ctx: StationContext, code: str | None = None, *, device_class: str | None = None,
           model: str | None = None, grade: str | None = None) -> LotInfo:
    """A new open lot; without a code one is made (LOT-YYMMDD-NNN) that the lot-label pattern accepts."""
    with ctx.store.session() as s:
        code = code.strip().upper() if code else _next_code(s)
        pattern = ctx.config["scanner.lot_pattern"]
        if not re.match(pattern, code):
            raise UserFacingError(_("'{code}' does not look like a lot label (pattern {pattern}); use a "
                                    "code like LOT-240101-001 so scanners recognise it.").format(
                    code=code, pattern=pattern))
        if s.execute(select(Lot.id).where(Lot.code == code)).first():
            raise UserFacingError(_("Lot {code} already exists; scan units into it or pick another code.").format(
                    code=code))
        lot = Lot(code=code, device_class=device_class, model=model, grade=grade, status="open", created_at=clock.iso())
        s.add(lot)
        s.flush()
        events.append(s, ctx.actor, "lot.created", {"lot": code, "device_class": device_class, "model": model,
                                                     "grade": grade})
        return _info(s, lot)


def _defects(s: Session, unit: Unit) -> tuple[str, ...]:
    return tuple(sorted(facts_for(s, unit).defects))


def _first_member(s: Session, lot: Lot) -> Unit | None:
    return s.execute(select(Unit).join(LotUnit, LotUnit.unit_id == Unit.id).where(LotUnit.lot_id == lot.id)
                     .order_by(LotUnit.added_at, Unit.id).limit(1)).scalar()


def disclosure_mismatches(s: Session, lot: Lot, unit: Unit) -> list[str]:
    """Functional level and defects against the lot's first unit: a buyer reads one line per lot."""
    first = _first_member(s, lot)
    if first is None or first.id == unit.id:
        return []
    out = []
    if unit.functional_code != first.functional_code:
        out.append(f"functional {unit.functional_code or 'none'}, lot has {first.functional_code or 'none'}")
    mine, theirs = _defects(s, unit), _defects(s, first)
    if mine != theirs:
        out.append(f"defects {', '.join(mine) or 'none'}, lot has {', '.join(theirs) or 'none'}")
    return out


def refusal(s: Session, unit: Unit) -> str | None:
    """Why `unit` can never enter a sale lot (force does not help), or None."""
    if unit.sale_grade is None:
        return f"Unit {unit.uid} has no grade yet; grade it before putting it in a lot."
    if facts_for(s, unit).data_bearing and unit.wipe_status != "sanitized":
        return (f"Unit {unit.uid} holds data and its sanitization has not passed; wipe it before it goes into a "
                "lot (R2v3 Appendix B).")
    if unit.route is not None and unit.route not in SALE_ROUTES:
        return (f"Unit {unit.uid} is routed to {unit.route.replace('_', ' ')}, not to a sale; it does not go into a "
                "sale lot. Re-route it first if that was a mistake.")
    held = gates(facts_for(s, unit))
    if held and not gate_overridden(s, unit):  # a supervisor's override is disclosed on the manifest
        return (f"Unit {unit.uid} is on hold ({'; '.join(g.reason for g in held)}); it does not go into a sale "
                "lot.")
    return None


def mismatches(lot: Lot, unit: Unit) -> list[str]:
    """What about `unit` differs from the lot's rule (empty when it fits)."""
    out = []
    if lot.device_class and unit.device_class != lot.device_class:
        out.append(f"class {unit.device_class}, lot takes {lot.device_class}")
    if lot.model and (unit.model or "").casefold() != lot.model.casefold():
        out.append(f"model {unit.model or 'unknown'}, lot takes {lot.model}")
    if lot.grade and unit.sale_grade != lot.grade:
        out.append(f"grade {unit.sale_grade or 'none'}, lot takes {lot.grade}")
    return out


def add(ctx: StationContext, code: str, unit_ref: str, *, force: bool = False) -> Added:
    """Add a scanned unit. Refused (LotMismatch) when it does not fit, unless `force`."""
    with ctx.store.session() as s:
        lot = get(s, code)
        if lot.status != "open":
            raise UserFacingError(_("Lot {code} is {status}; open a new lot for more units.").format(
                    code=lot.code, status=lot.status))
        unit = units.find_any(s, unit_ref.strip())
        if unit is None:
            raise UserFacingError(_("No unit answers to '{unit_ref}'. Scan the unit's label.").format(
                    unit_ref=unit_ref))
        refused = refusal(s, unit)
        if refused:
            raise UserFacingError(refused)
        elsewhere = s.execute(select(Lot.code).join(LotUnit).where(LotUnit.unit_id == unit.id)).scalars().all()
        if lot.code in elsewhere:
            raise UserFacingError(_("Unit {uid} is already in lot {code}.").format(uid=unit.uid, code=lot.code))
        if elsewhere:
            raise UserFacingError(_("Unit {uid} is already in lot {elsewhere}; remove it there first.").format(
                    uid=unit.uid, elsewhere=elsewhere[0]))
        empty = _info(s, lot).count == 0
        if empty and not (lot.device_class or lot.model or lot.grade):
            lot.device_class, lot.model, lot.grade = unit.device_class, unit.model, unit.sale_grade
        wrong = mismatches(lot, unit) + disclosure_mismatches(s, lot, unit)
        if wrong and not force:
            raise LotMismatch(_("Unit {uid} does not fit lot {code}: {wrong}. Put it aside, or add it "
                                "anyway (confirm the warning).").format(
                    uid=unit.uid, code=lot.code, wrong='; '.join(wrong)), wrong)
        s.add(LotUnit(lot_id=lot.id, unit_id=unit.id, added_at=clock.iso()))
        units.touch(unit)
        events.append(s, ctx.actor, "lot.unit_added", {"lot": lot.code, "forced": bool(wrong), "mismatches": wrong},
                      unit)
        s.flush()
        return Added(_info(s, lot), unit.uid, bool(wrong), tuple(wrong))


def remove(ctx: StationContext, code: str, unit_ref: str) -> LotInfo:
    with ctx.store.session() as s:
        lot = get(s, code)
        unit = units.find_any(s, unit_ref.strip())
        link = s.get(LotUnit, (lot.id, unit.id)) if unit is not None else None
        if unit is None or link is None:
            raise UserFacingError(_("'{unit_ref}' is not in lot {code}.").format(unit_ref=unit_ref, code=lot.code))
        s.delete(link)
        events.append(s, ctx.actor, "lot.unit_removed", {"lot": lot.code}, unit)
        s.flush()
        return _info(s, lot)


def close(ctx: StationContext, code: str) -> LotInfo:
    """No more units go in; the manifest stays exportable."""
    with ctx.store.session() as s:
        lot = get(s, code)
        info = _info(s, lot)
        if info.count == 0:
            raise UserFacingError(_("Lot {code} is empty; scan units into it before closing it.").format(code=lot.code))
        lot.status = "closed"
        events.append(s, ctx.actor, "lot.closed", {"lot": lot.code, "units": info.count})
        return _info(s, lot)


def info(ctx: StationContext, code: str) -> LotInfo:
    with ctx.store.reader() as s:
        return _info(s, get(s, code))


def list_lots(ctx: StationContext, status: str | None = None) -> list[LotInfo]:
    with ctx.store.reader() as s:
        q = select(Lot).order_by(Lot.id.desc())
        if status:
            q = q.where(Lot.status == status)
        return [_info(s, lot) for lot in s.execute(q).scalars()]


@dataclass(frozen=True)
class Sold:
    lot: str
    prices: dict[str, float]  # unit uid -> its realised price
    total: float


def split(total: float, expected: list[float | None]) -> list[float]:
    """A lot's total price per unit: in proportion to each unit's routed (expected) value when every
    unit has one above 0, else equally; in cents, the rounding left over on the last unit, so the
    shares add up to the total exactly (docs/value-loop.md)."""
    n = len(expected)
    weights = [float(e) for e in expected if e is not None and e > 0]
    if len(weights) != n:
        weights = [1.0] * n
    cents, whole = round(total * 100), sum(weights)
    shares = [int(cents * w / whole) for w in weights]
    shares[-1] += cents - sum(shares)
    return [c / 100 for c in shares]


def sell(ctx: StationContext, code: str, *, unit_price: float | None = None, total: float | None = None,
         channel: str | None = None, buyer: str | None = None) -> Sold:
    """Record a lot sold through its manifest: each unit's `sold` outcome, as `station outcome record`
    writes it, at `unit_price` or its share of `total` (split), all in one transaction; the hub's next
    band recomputation takes them like any other sale. A lot is sold once."""
    if (unit_price is None) == (total is None):
        raise UserFacingError(_("Give the lot's price either per unit or as a total, not both and not "
                                "neither."))
    disposition.check_outcome("sold", unit_price if unit_price is not None else total, channel)
    with ctx.store.session() as s:
        lot = get(s, code)
        members = list(s.execute(select(Unit).join(LotUnit, LotUnit.unit_id == Unit.id)
                                 .where(LotUnit.lot_id == lot.id).order_by(Unit.id)).scalars())
        if not members:
            raise UserFacingError(_("Lot {code} is empty; there is nothing to sell.").format(code=lot.code))
        if lot.status == "sold":
            raise UserFacingError(_("Lot {code} is already recorded as sold.").format(code=lot.code))
        prices = ([float(unit_price)] * len(members) if unit_price is not None
                  else split(float(total or 0.0), [u.expected_value for u in members]))
        for unit, price in zip(members, prices, strict=True):
            disposition.outcome_in(s, ctx, unit, "sold", sold_grade=unit.sale_grade, amount=price, channel=channel,
                                   buyer=buyer, note=f"lot {lot.code}", extra={"lot": lot.code})
        lot.status = "sold"
        events.append(s, ctx.actor, "lot.sold", {"lot": lot.code, "units": len(members), "total": round(sum(prices), 2),
                                                 "channel": channel, "buyer": buyer})
        return Sold(lot.code, {u.uid: p for u, p in zip(members, prices, strict=True)}, round(sum(prices), 2))

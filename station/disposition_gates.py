"""Route gates: what a unit's own facts forbid, whatever the rules file proposes.

The rules file proposes; the gates dispose. A unit that is account-locked (FRP, activation lock,
MDM, a firmware password), whose lock status was never checked, that is beyond economic repair,
that does not power on, or whose battery is swollen may not take a route that sells or reuses it
as is. Each gate names its reason and the routes that stay open. A swollen lithium cell is
hazardous: the unit goes to the hazardous-battery route (remove the cell, recycle it through the
battery vendor) or waits on hold, never to auction or resale, and not to the e-waste recycler
with the cell in it. Sanitization (R2v3 Appendix B) is its own gate in disposition.py.

`Facts` is everything disposition knows about a unit; `facts_for()` reads it from the store,
including the defects and answers of the latest grade and the FRP flag of the latest phone check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal, cast, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.history_words import CLASS_WORDS
from station.i18n import N_, composed
from station.models import Event, Grade, PhoneCheck, Unit

# What a defect tag of the grading matrices means to a route.
LOCK_DEFECTS = {"account_lock": N_("account-locked (FRP / activation lock)"),
                "mdm": N_("enrolled in device management (MDM)"),
                "firmware_lock": N_("locked by a firmware password or asset lock")}
DEAD_DEFECTS = frozenset({"no_power", "no_post", "not_detected"})
HAZARD_DEFECTS = frozenset({"battery_swollen"})
BER_DEFECT = "ber"
# Answers to the lock questions (phone/tablet "locks", laptop/desktop "firmware_lock").
LOCK_QUESTIONS = ("locks", "firmware_lock")
CLEAR_LOCK_ANSWERS = frozenset({"none", "carrier"})
LOCK_STATUSES = ("clear", "locked", "unchecked", "n/a")
# Classes that can carry an account, management or firmware lock: no answer means not checked.
LOCKABLE = frozenset({"phone", "tablet", "laptop", "desktop"})

DATA_BEARING = frozenset({"phone", "tablet", "laptop", "desktop", "drive"})
STORAGE_QUESTION = "storage"  # "none" is the only answer that says the unit holds no data

# Routes that never sell or reuse the unit as is, and so stay open behind a gate.
NOT_FOR_SALE = frozenset({"harvest_parts", "recycle", "return_to_customer", "hold"})
HAZARD_OPEN = frozenset({"hazardous_battery", "hold"})


WipeStatus = Literal["sanitized", "failed", "interrupted", "aborted", "n/a", "none"]
Locks = Literal["clear", "locked", "unchecked", "n/a"]
GateCode = Literal["locked", "unchecked_locks", "ber", "no_power", "hazardous_battery"]

@dataclass(frozen=True)
class Facts:
    device_class: str
    model: str | None
    cosmetic: str | None
    functional: str | None
    sale_grade: str | None
    wipe_status: WipeStatus
    defects: tuple[str, ...] = ()
    locks: Locks = "n/a"  # n/a: a class that carries no lock
    frp: bool = False  # the phone pre-check found a Google account (factory reset protection)
    holds_data: bool | None = None  # from the matrix's storage question; None: as the class says
    make: str | None = None  # with the model, the SKU a price band and a lifecycle tag are kept by
    capacity: str | None = None  # the SKU's third part; a model without one falls back to its capacity-less band

    @property
    def data_bearing(self) -> bool:
        """Phones, tablets, computers and drives hold data; other equipment does unless its grade
        answered that it cannot (an unwiped smartwatch must not go back to stock)."""
        if self.holds_data is not None:
            return self.holds_data
        return self.device_class in DATA_BEARING or self.device_class == "other"

    @classmethod
    def of(cls, unit: Unit, grade: Grade | None = None, frp: bool = False) -> Facts:
        if grade is None:
            return cls.from_json(unit, None, None, frp)
        return cls.from_json(unit, grade.defects, grade.answers, frp)

    @classmethod
    def from_json(cls, unit: Unit, defects_json: str | None, answers_json: str | None, frp: bool = False) -> Facts:
        """From the latest grade's stored defects and answers (JSON text), as read in bulk for manifests."""
        defects: tuple[str, ...] = tuple(json.loads(defects_json or "[]"))
        answers: dict[str, str] = json.loads(answers_json or "{}")
        holds = None if STORAGE_QUESTION not in answers else answers[STORAGE_QUESTION] != "none"
        return cls(unit.device_class, unit.model, unit.cosmetic_grade, unit.functional_code, unit.sale_grade,
                   _wipe_status(unit.wipe_status), defects, lock_status(unit.device_class, answers, defects, frp), frp,
                   holds, unit.make, unit.capacity)


def _wipe_status(stored: str | None) -> WipeStatus:
    """The unit's stored wipe status; anything outside the set counts as no wipe, so no gate opens on it."""
    return cast(WipeStatus, stored) if stored in get_args(WipeStatus) else "none"


def lock_status(device_class: str, answers: dict[str, str], defects: tuple[str, ...], frp: bool = False) -> Locks:
    if frp or any(d in LOCK_DEFECTS for d in defects):
        return "locked"
    given = [answers[q] for q in LOCK_QUESTIONS if q in answers]
    if not given:  # not asked: the unit did not power on, or its power was not checked
        return "unchecked" if device_class in LOCKABLE else "n/a"
    return "clear" if all(a in CLEAR_LOCK_ANSWERS for a in given) else "unchecked"


def facts_for(s: Session, unit: Unit) -> Facts:
    """The unit's facts with its latest grade's defects and answers and its latest FRP flag."""
    grade = s.execute(select(Grade).where(Grade.unit_id == unit.id).order_by(Grade.id.desc()).limit(1)).scalar()
    frp = s.execute(select(PhoneCheck.frp_account).where(PhoneCheck.unit_id == unit.id)
                    .order_by(PhoneCheck.id.desc()).limit(1)).scalar()
    return Facts.of(unit, grade, bool(frp))


# A gate's reason and a refusal stay English where they are made: route.cleared and route.gate_overridden keep
# them. The Route step, the Grade panel and `station route` show them through i18n.shown().
composed(*LOCK_DEFECTS.values(), *CLASS_WORDS.values())  # "This phone cannot go to ...": the class too
(SWOLLEN, FRP_LOCK, LOCKED_AS, LOCKED_AS_BOTH, LOCKED_PLAIN, UNCHECKED, BER, NO_POWER, REFUSED, REFUSED_ALL) = composed(
    N_("its battery is swollen (a hazardous lithium cell must not ship as is)"),
    N_("locked to an account or an organisation (factory reset protection, Activation Lock or MDM), as the phone "
       "check recorded"),
    N_("it is {lock}"),
    N_("it is {locks} and {lock}"),
    N_("it is locked"),
    N_("its account, management and firmware locks were not checked"),
    N_("it is beyond economic repair"),
    N_("it does not power on"),
    N_("This {device} cannot go to '{route}' because {why}. Routes still open: {routes}."),
    N_("This {device} cannot go to '{route}' because {why}. No route is still open."))


@dataclass(frozen=True)
class Gate:
    code: GateCode
    reason: str  # what the technician reads
    short: str  # what the label prints after HOLD, translated there (N_)
    open_routes: frozenset[str]


def gates(f: Facts) -> list[Gate]:
    """Every gate this unit's facts close, most restrictive first."""
    out: list[Gate] = []
    if any(d in HAZARD_DEFECTS for d in f.defects):
        out.append(Gate("hazardous_battery", SWOLLEN, N_("SWOLLEN BATTERY"), HAZARD_OPEN))
    if f.locks == "locked":
        what = [LOCK_DEFECTS[d] for d in f.defects if d in LOCK_DEFECTS]
        if f.frp and "account_lock" not in f.defects:
            what.insert(0, FRP_LOCK)
        out.append(Gate("locked", _locked_words(what), N_("LOCKED"), NOT_FOR_SALE))
    elif f.locks == "unchecked":
        out.append(Gate("unchecked_locks", UNCHECKED, N_("LOCKS NOT CHECKED"), NOT_FOR_SALE))
    if BER_DEFECT in f.defects:
        out.append(Gate("ber", BER, N_("BER"), NOT_FOR_SALE))
    if f.functional == "NF" or any(d in DEAD_DEFECTS for d in f.defects):
        out.append(Gate("no_power", NO_POWER, N_("NO POWER"), NOT_FOR_SALE))
    return out


def _locked_words(what: list[str]) -> str:
    if not what:
        return LOCKED_PLAIN
    if len(what) == 1:
        return LOCKED_AS.format(lock=what[0])
    return LOCKED_AS_BOTH.format(locks=", ".join(what[:-1]), lock=what[-1])


def refusing(f: Facts, route: str) -> list[Gate]:
    """The gates that close `route` for this unit (empty when it may take it)."""
    return [g for g in gates(f) if route not in g.open_routes]


def open_routes(f: Facts, routes: tuple[str, ...]) -> list[str]:
    """The routes, in order, that no gate closes."""
    closed = gates(f)
    return [r for r in routes if all(r in g.open_routes for g in closed)]


def refusal_text(f: Facts, route_label: str, closing: list[Gate], open_labels: list[str]) -> str:
    """Why the gates refuse the route, in English (route.cleared keeps it); shown through i18n.shown()."""
    why = "; ".join(g.reason for g in closing)
    if not open_labels:
        return REFUSED_ALL.format(device=f.device_class, route=route_label, why=why)
    return REFUSED.format(device=f.device_class, route=route_label, why=why, routes=", ".join(open_labels))


def gate_overridden(s: Session, unit: Unit) -> bool:
    """The unit's current route was taken past a gate by a supervisor (route.gate_overridden, then
    route.assigned, and no route change since)."""
    if unit.route is None:
        return False
    kinds = s.execute(
        select(Event.kind).where(Event.unit_id == unit.id, Event.kind.in_(
            ("route.assigned", "route.gate_overridden", "route.cleared")))
        .order_by(Event.seq.desc()).limit(2)
    ).scalars().all()
    return list(kinds) == ["route.assigned", "route.gate_overridden"]

"""Recording a grade: one transaction writes the Grade row, the unit's grade fields and the event.

A plain grade is a `grade.recorded` event; an override (a different final grade than the
matrix computed) needs a reason, may be limited to supervisors (grading.override_supervisor_only),
and is a `grade.overridden` event carrying both the computed and the final grade.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import events, units
from station.context import StationContext
from station.errors import StationError, UserFacingError
from station.grading import crosswalk
from station.grading.evaluate import FUNCTIONAL_CODES, GradeResult, evaluate, sale_grade
from station.grading.library import active, available
from station.grading.matrix import COSMETIC, Matrix
from station.i18n import _
from station.models import Grade, Unit

MIN_REASON = 5  # characters: "ok" is not a reason an auditor accepts


@dataclass(frozen=True)
class Override:
    reason: str
    cosmetic: str | None = None  # None keeps the computed value
    functional: str | None = None


@dataclass(frozen=True)
class Recorded:
    grade_id: int
    unit_uid: str
    matrix_ref: str
    matrix_sha256: str
    computed: GradeResult
    cosmetic: str
    functional: str
    sale_grade: str
    crosswalks: dict[str, dict[str, str]]
    override_reason: str | None = None


def unit_for(s: Session, ref: str) -> Unit:
    unit = units.find_any(s, ref.strip())
    if unit is None:
        raise UserFacingError(
            _("No unit answers to '{ref}'. Scan the unit's label or an identifier it was taken in with.").format(
                    ref=ref)
        )
    return unit


def check_override(ctx: StationContext, computed: GradeResult, ov: Override) -> tuple[str, str]:
    """The final (cosmetic, functional) for an override, or a UserFacingError saying why not."""
    if ctx.config["grading.override_supervisor_only"] and not (ctx.operator and ctx.operator.is_supervisor):
        raise UserFacingError(_("Only a supervisor may override a computed grade here; ask a supervisor to "
                                "sign in."))
    if len(ov.reason.strip()) < MIN_REASON:
        raise UserFacingError(_("An override needs a reason (a short sentence, e.g. 'dent hidden under "
                                "case')."))
    cosmetic = ov.cosmetic or computed.cosmetic
    functional = ov.functional or computed.functional
    if cosmetic not in COSMETIC:
        raise UserFacingError(_("'{cosmetic}' is not a cosmetic grade; use one of {grades}.").format(
                cosmetic=cosmetic, grades=', '.join(COSMETIC)))
    if functional not in FUNCTIONAL_CODES:
        raise UserFacingError(_("'{functional}' is not a functional code; use one of {functional_codes}.").format(
                functional=functional, functional_codes=', '.join(FUNCTIONAL_CODES)))
    if (cosmetic, functional) == (computed.cosmetic, computed.functional):
        raise UserFacingError(_("The override gives the grade the matrix already computed; save without "
                                "overriding."))
    return cosmetic, functional


def record(
    ctx: StationContext,
    unit_ref: str,
    answers: Mapping[str, str],
    *,
    matrix: Matrix | None = None,
    override: Override | None = None,
) -> Recorded:
    """Grade the unit from `answers` with its class's active matrix (or `matrix`) and record it.
    What the device measured itself (lock status, battery health: grading/measured.py) replaces the
    answer given to the same question."""
    from station.grading.measured import measured_answers

    with ctx.store.reader() as s:
        device_class = unit_for(s, unit_ref).device_class
    m = matrix or active(ctx, device_class)
    if m.device_class not in (device_class, "other"):
        raise UserFacingError(_("Matrix {ref} grades {matrix_class}s, but this unit is a {unit_class}.").format(
                ref=m.ref, matrix_class=m.device_class, unit_class=device_class))
    with ctx.store.reader() as s:
        measured = measured_answers(s, unit_for(s, unit_ref), m)
    computed = evaluate(m, {**answers, **measured})
    cosmetic, functional = computed.cosmetic, computed.functional
    if override is not None:
        cosmetic, functional = check_override(ctx, computed, override)
    final = sale_grade(cosmetic, functional)
    with ctx.store.session() as s:
        unit = unit_for(s, unit_ref)
        walks = walk(device_class, computed, cosmetic, functional, unit.wipe_status == "sanitized")
        row = Grade(
            unit_id=unit.id, matrix_id=m.id, matrix_version=m.version, matrix_hash=m.sha256,
            answers=json.dumps(dict(computed.answers), sort_keys=True), cosmetic=cosmetic, functional=functional,
            sale_grade=final, crosswalks=json.dumps(walks, sort_keys=True), defects=json.dumps(list(computed.defects)),
            computed_grade=computed.sale_grade, override_reason=override.reason.strip() if override else None,
            operator_id=ctx.actor.operator_id, created_at="",
        )
        units.touch(unit, cosmetic_grade=cosmetic, functional_code=functional, sale_grade=final, grade_matrix=m.ref)
        row.created_at = unit.updated_at
        s.add(row)
        s.flush()
        payload = {
            "grade_id": row.id, "matrix": m.id, "version": m.version, "sha256": m.sha256,
            "answers": dict(computed.answers), "defects": list(computed.defects),
            "cosmetic": cosmetic, "functional": functional, "sale_grade": final, "crosswalks": walks,
        }
        if measured:
            payload["measured"] = measured
        if override is None:
            events.append(s, ctx.actor, "grade.recorded", payload, unit)
        else:
            payload.update(computed={"cosmetic": computed.cosmetic, "functional": computed.functional,
                                     "sale_grade": computed.sale_grade}, reason=row.override_reason)
            events.append(s, ctx.actor, "grade.overridden", payload, unit)
        from station.disposition import reconsider  # disposition reads grades: imported late, no cycle

        reconsider(s, ctx.actor, unit, "re-graded", always=True)
        return Recorded(row.id, unit.uid, m.ref, m.sha256, computed, cosmetic, functional, final, walks,
                        row.override_reason)


def walk(device_class: str, r: GradeResult, cosmetic: str, functional: str, sanitized: bool
         ) -> dict[str, dict[str, str]]:
    """The crosswalks from the answers: zone letters, defects and the sanitization now. An override
    of the cosmetic letter replaces both zones (the cautious reading)."""
    zones = (r.screen, r.body) if cosmetic == r.cosmetic else (cosmetic, cosmetic)
    return crosswalk.load().apply(device_class, cosmetic, functional, screen=zones[0], body=zones[1],
                                  defects=r.defects, sanitized=sanitized)


def _matrix_of(ctx: StationContext, grade: Grade) -> Matrix | None:
    """The exact matrix a grade was made with (id, version and hash), when the station still has it."""
    try:
        hits = [a.matrix for a in available(ctx)
                if (a.matrix.id, a.matrix.version, a.matrix.sha256) == (grade.matrix_id, grade.matrix_version,
                                                                        grade.matrix_hash)]
    except StationError:
        return None
    return hits[0] if hits else None


def walks_now(ctx: StationContext, s: Session, unit: Unit) -> dict[str, dict[str, str]]:
    """The unit's crosswalks recomputed from its latest grade's answers and its wipe status now
    (R2v3 gives a functional category only once the sanitization passed)."""
    grade = latest(s, unit)
    if grade is None:
        return {}
    m = _matrix_of(ctx, grade)
    defects = tuple(json.loads(grade.defects or "[]"))
    if m is not None:
        r = evaluate(m, json.loads(grade.answers), partial=True)
    else:  # a matrix the station no longer has: both zones read as the grade's letter
        r = GradeResult(grade.cosmetic, grade.functional, grade.sale_grade, defects,
                        screen=grade.cosmetic, body=grade.cosmetic)
    r = GradeResult(r.cosmetic, r.functional, r.sale_grade, defects, r.answers, r.missing, r.screen, r.body)
    return walk(unit.device_class, r, grade.cosmetic, grade.functional, unit.wipe_status == "sanitized")


def latest(s: Session, unit: Unit) -> Grade | None:
    return s.execute(select(Grade).where(Grade.unit_id == unit.id).order_by(Grade.id.desc()).limit(1)).scalar()


def history(ctx: StationContext, unit_ref: str) -> list[Grade]:
    with ctx.store.reader() as s:
        unit = unit_for(s, unit_ref)
        return list(s.execute(select(Grade).where(Grade.unit_id == unit.id).order_by(Grade.id)).scalars())


def finish_check(_s: Session, unit: Unit) -> str | None:
    """For workflow.FINISH_CHECKS: a unit is not finished before it has a grade."""
    if unit.sale_grade is None:
        return f"Unit {unit.uid} has no grade yet; grade it on the Grade panel (F2)."
    return None

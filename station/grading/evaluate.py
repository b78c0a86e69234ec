"""Answers in, one grade out: cosmetic grade, functional code and the combined sale grade.

- Cosmetic: the worst cap among the chosen options (A when nothing caps it); the screen and body
  letters are the same taken over the questions of that zone (buyer scales tell them apart).
- Beyond economic repair: an option with `ber` adds the defect tag "ber"; it is not a letter.
- Functional code: NF when an answer says the unit is dead, FD when any test failed,
  NT when a test was not done, FF when every functional answer passed.
- Sale grade: the cosmetic letter with "+" (fully functional), "" (functional test not
  done) or "-" (defects, or dead): "B+", "C", "A-".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from station.errors import UserFacingError
from station.grading.matrix import COSMETIC, Matrix, Question
from station.i18n import N_, _

FUNCTIONAL_CODES: dict[str, str] = {
    "FF": N_("fully functional"),  # translated where shown
    "NT": N_("functional test not done"),
    "FD": N_("functional defects"),
    "NF": N_("not functional (does not power on)"),
}
SUFFIX = {"FF": "+", "NT": "", "FD": "-", "NF": "-"}
BER = "ber"  # the defect tag of a unit beyond economic repair


class IncompleteAnswers(UserFacingError):
    """A question that applies has no answer, or an answer is not one of its options."""


@dataclass(frozen=True)
class GradeResult:
    cosmetic: str
    functional: str
    sale_grade: str
    defects: tuple[str, ...] = ()
    answers: Mapping[str, str] = field(default_factory=dict)  # only the questions that applied
    missing: tuple[str, ...] = ()  # unanswered questions (a partial result only; open tests count as NT)
    screen: str = "A"  # worst cap of the screen-zone questions (front cover glass, display)
    body: str = "A"  # worst cap of the body-zone questions

    @property
    def ber(self) -> bool:
        return BER in self.defects

    @property
    def complete(self) -> bool:
        return not self.missing


def sale_grade(cosmetic: str, functional: str) -> str:
    if cosmetic not in COSMETIC:
        raise ValueError(f"cosmetic grade {cosmetic!r} is not one of {COSMETIC}")
    return cosmetic + SUFFIX[functional]


def worse(a: str, b: str) -> str:
    return a if COSMETIC.index(a) >= COSMETIC.index(b) else b


def applicable(matrix: Matrix, answers: Mapping[str, str]) -> list[Question]:
    """The questions asked for these answers, in order (answers to skipped questions don't count)."""
    asked: list[Question] = []
    effective: dict[str, str] = {}
    for q in matrix.questions:
        if q.applies(effective):
            asked.append(q)
            if q.key in answers:
                effective[q.key] = answers[q.key]
    return asked


def evaluate(matrix: Matrix, answers: Mapping[str, str], *, partial: bool = False) -> GradeResult:
    """The grade for `answers`. Every applicable question must be answered unless `partial`."""
    cosmetic, effects, defects, used, missing = "A", [], [], {}, []
    zones = {"screen": "A", "body": "A"}
    for q in applicable(matrix, answers):
        key = answers.get(q.key)
        if key is None:
            if not partial:
                raise IncompleteAnswers(
                    _("'{text}' is not answered yet; answer it (number keys) before saving the grade.").format(
                            text=q.text)
                )
            missing.append(q.key)
            if q.kind == "functional":
                effects.append("untested")  # so far: an open functional question is not a pass yet
            continue
        option = q.option(key)
        if option is None:
            raise IncompleteAnswers(
                _("'{key}' is not an option of '{text}' in {ref}; choose one of {options}.").format(
                        key=key, text=q.text, ref=matrix.ref, options=', '.join(o.key for o in q.options))
            )
        used[q.key] = key
        if option.cosmetic:
            cosmetic = worse(cosmetic, option.cosmetic)
            zones[q.zone] = worse(zones[q.zone], option.cosmetic)
        if option.functional:
            effects.append(option.functional)
        if option.defect and option.defect not in defects:
            defects.append(option.defect)
        if option.ber and BER not in defects:
            defects.append(BER)
    functional = functional_code(effects)
    return GradeResult(cosmetic, functional, sale_grade(cosmetic, functional), tuple(defects), used, tuple(missing),
                       zones["screen"], zones["body"])


def functional_code(effects: list[str]) -> str:
    if "dead" in effects:
        return "NF"
    if "fail" in effects:
        return "FD"
    if "untested" in effects or "pass" not in effects:
        return "NT"
    return "FF"

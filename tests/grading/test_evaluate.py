"""Every combination of answers in every shipped matrix yields exactly one grade.

The matrices are small enough to enumerate every answer path exhaustively (a question that
does not apply is not asked, so it has no answer on that path). Each result is checked
against an independent reading of the rules, and every crosswalk gives exactly one value.
Hypothesis adds arbitrary answer dicts: junk, missing and skipped answers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.grading import crosswalk
from station.grading.evaluate import IncompleteAnswers, evaluate
from station.grading.library import SHIPPED_DIR, load_dir
from station.grading.matrix import COSMETIC, Matrix

MATRICES = {m.id: m for m in load_dir(SHIPPED_DIR)}
SUFFIX = {"FF": "+", "NT": "", "FD": "-", "NF": "-"}
PATHS = {
    # power no or not checked: glass 5 x housing 7 x liquid 3; power yes: glass 5 x display 4 x housing 7
    # x locks 5 x tests (passed, not tested, or failed x 2^5 sub-tests) x battery 4 x liquid 3
    "phone": 2 * 5 * 7 * 3 + 5 * 4 * 7 * 5 * (2 + 32) * 4 * 3,
    # detected no: physical 5 x connector 3; yes: the same x smart 4 x surface 3
    "drive": 5 * 3 + 5 * 3 * 4 * 3,
}


def paths(m: Matrix, answers: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """Every complete answer set the matrix can be given, one per path through its questions."""
    for answers_, _, _ in _walk(m, 0, answers or {}, 0, frozenset()):
        yield answers_


def _walk(m: Matrix, i: int, answers: dict[str, str], worst: int, effects: frozenset[str]
          ) -> Iterator[tuple[dict[str, str], int, frozenset[str]]]:
    # Carries the rules' second reading along the path: the worst cosmetic index and the set of
    # functional effects chosen so far, so each leaf is checked without re-reading the answers.
    while i < len(m.questions) and not m.questions[i].applies(answers):
        i += 1
    if i == len(m.questions):
        yield dict(answers), worst, effects
        return
    q = m.questions[i]
    for o in q.options:
        answers[q.key] = o.key
        yield from _walk(m, i + 1, answers, max(worst, COSMETIC.index(o.cosmetic) if o.cosmetic else 0),
                         effects | {o.functional} if o.functional else effects)
        del answers[q.key]


def expected(worst: int, effects: frozenset[str]) -> tuple[str, str]:
    """The rules read a second way: worst cosmetic cap by index; functional by precedence."""
    functional = ("NF" if "dead" in effects else "FD" if "fail" in effects
                  else "FF" if effects == {"pass"} else "NT")
    return COSMETIC[worst], functional


@pytest.mark.parametrize("matrix_id", sorted(MATRICES))
def test_every_answer_path_yields_exactly_one_grade(matrix_id: str) -> None:
    m = MATRICES[matrix_id]
    walks = crosswalk.load()
    seen_grades: set[str] = set()
    n = 0
    for answers, worst, effects in _walk(m, 0, {}, 0, frozenset()):
        n += 1
        r = evaluate(m, answers)
        assert r.complete and len(r.answers) == len(answers)
        assert (r.cosmetic, r.functional) == expected(worst, effects), answers
        assert r.sale_grade == r.cosmetic + SUFFIX[r.functional]
        seen_grades.add(r.sale_grade)
    for grade in seen_grades:  # every grade reached maps to exactly one value in every crosswalk
        cosmetic, functional = grade[0], {"+": "FF", "": "NT", "-": "FD"}[grade[1:]]
        for code in ([functional, "NF"] if functional == "FD" else [functional]):
            for scheme, fields in walks.apply(m.device_class, cosmetic, code).items():
                assert all(isinstance(v, str) and v for v in fields.values()), (scheme, fields)
    assert n == PATHS.get(matrix_id, n) and n > 10
    # Each shipped matrix can express the whole scale, both ends included.
    assert {"A+", "E-"} <= seen_grades or {"A+", "D-"} <= seen_grades, sorted(seen_grades)


@pytest.mark.parametrize(("answers", "grade", "defects"), [
    ({"power": "yes", "glass": "light", "display": "perfect", "housing": "flawless", "locks": "none",
      "tests": "passed", "battery": "good", "liquid": "clean"}, "B+", ()),
    ({"power": "yes", "glass": "flawless", "display": "perfect", "housing": "flawless", "locks": "none",
      "tests": "not_tested", "battery": "unknown", "liquid": "clean"}, "A", ()),
    ({"power": "yes", "glass": "cracked", "display": "marks", "housing": "light", "locks": "account",
      "tests": "failed", "touch_buttons": "ok", "cameras": "fail", "audio": "ok", "radios": "ok",
      "charging": "ok", "battery": "worn", "liquid": "clean"}, "D-", ("account_lock", "camera", "battery")),
    ({"power": "no", "glass": "flawless", "housing": "bent", "liquid": "tripped"}, "D-",
     ("no_power", "ber", "liquid")),
])
def test_golden_phone_grades(answers: dict[str, str], grade: str, defects: tuple[str, ...]) -> None:
    r = evaluate(MATRICES["phone"], answers)
    assert (r.sale_grade, r.defects) == (grade, defects)


def test_answers_to_questions_that_do_not_apply_are_ignored() -> None:
    m = MATRICES["phone"]
    dead = {"power": "no", "glass": "light", "housing": "light", "liquid": "clean"}
    with_noise = {**dead, "display": "defective", "tests": "failed", "cameras": "fail", "battery": "swollen"}
    assert evaluate(m, with_noise) == evaluate(m, dead)
    assert evaluate(m, dead).sale_grade == "B-"


def test_a_missing_or_unknown_answer_is_refused_with_the_question() -> None:
    m = MATRICES["phone"]
    with pytest.raises(IncompleteAnswers, match=r"'Front cover glass \(screen off, .*\)' is not answered"):
        evaluate(m, {"power": "no"})
    with pytest.raises(IncompleteAnswers, match="'chipped' is not an option of 'Front cover glass"):
        evaluate(m, {"power": "no", "glass": "chipped", "housing": "light", "liquid": "clean"})


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[Matrix, dict[str, str]]:
    m = draw(st.sampled_from(sorted(MATRICES.values(), key=lambda x: x.id)))
    keys = [q.key for q in m.questions] + ["unknown_question"]
    values = sorted({o.key for q in m.questions for o in q.options} | {"junk"})
    return m, draw(st.dictionaries(st.sampled_from(keys), st.sampled_from(values)))


@settings(max_examples=200, deadline=None)
@given(answer_sets())
def test_any_answers_give_one_grade_or_say_what_is_missing(case: tuple[Matrix, dict[str, str]]) -> None:
    m, answers = case
    try:
        r = evaluate(m, answers)
    except IncompleteAnswers as exc:
        assert "not answered" in str(exc) or "is not an option" in str(exc)
        partial = None
    else:
        assert r.sale_grade[0] in COSMETIC and r.functional in SUFFIX
        partial = evaluate(m, answers, partial=True)
        assert partial.sale_grade == r.sale_grade and not partial.missing
    if partial is None and all(
            m.question(k) is None or m.question(k).option(v) is not None for k, v in answers.items()):
        assert evaluate(m, answers, partial=True).missing  # only missing answers can have stopped it


def test_a_partial_grade_counts_open_functional_questions_as_not_tested() -> None:
    m = MATRICES["phone"]
    so_far = evaluate(m, {"power": "yes", "glass": "light"}, partial=True)
    assert (so_far.sale_grade, so_far.missing[:2]) == ("B", ("display", "housing"))
    done = evaluate(m, {**so_far.answers, "display": "perfect", "housing": "flawless", "locks": "none",
                        "tests": "passed", "battery": "good"}, partial=True)
    assert (done.sale_grade, done.missing) == ("B+", ("liquid",))  # only a check is open: no longer NT

"""The keyboard flow of grading one unit, without Qt: which question is current, what keys do.

Number keys choose an option and move on; Enter takes the current (or default) answer and moves
on; past the last question the form is complete and Enter saves. Changing an early answer can
add or remove later questions (a dead phone skips its functional tests) and the current
position follows. The panel draws this state; tests drive it directly too.
"""

from __future__ import annotations

from collections.abc import Mapping

from station.grading.evaluate import GradeResult, applicable, evaluate
from station.grading.matrix import Matrix, Question


class GradingForm:
    def __init__(self, matrix: Matrix, answers: Mapping[str, str] | None = None) -> None:
        self.matrix = matrix
        self.answers: dict[str, str] = dict(answers or {})
        self.index = 0

    @property
    def questions(self) -> list[Question]:
        return applicable(self.matrix, self.answers)

    @property
    def current(self) -> Question | None:
        qs = self.questions
        return qs[self.index] if self.index < len(qs) else None

    @property
    def at_end(self) -> bool:
        return self.current is None

    @property
    def complete(self) -> bool:
        return all(q.key in self.answers for q in self.questions)

    def result(self) -> GradeResult:
        """The grade so far (unanswered questions listed in `missing`)."""
        return evaluate(self.matrix, self.answers, partial=True)

    def effective_answers(self) -> dict[str, str]:
        asked = {q.key for q in self.questions}
        return {k: v for k, v in self.answers.items() if k in asked}

    def choose(self, number: int) -> bool:
        """Number key: answer the current question with option `number` and move on."""
        q = self.current
        option = q.by_number(number) if q else None
        if q is None or option is None:
            return False
        self.answers[q.key] = option.key
        self._advance()
        return True

    def choose_grade(self, letter: str) -> bool:
        """A grade letter (CMD:GRADE:B): the current question's first option capping at that grade."""
        q = self.current
        option = next((o for o in q.options if o.cosmetic == letter.upper()), None) if q else None
        if q is None or option is None:
            return False
        self.answers[q.key] = option.key
        self._advance()
        return True

    def accept(self) -> bool:
        """Enter: keep the current answer, or take the default, and move on. False when neither exists."""
        q = self.current
        if q is None:
            return False
        if q.key not in self.answers:
            if q.default is None:
                return False
            self.answers[q.key] = q.default
        self._advance()
        return True

    def back(self) -> None:
        self.index = max(0, self.index - 1)

    def goto(self, index: int) -> None:
        self.index = max(0, min(index, len(self.questions)))

    def first_unanswered(self) -> int:
        qs = self.questions
        return next((i for i, q in enumerate(qs) if q.key not in self.answers), len(qs))

    def _advance(self) -> None:
        self.index = min(self.index + 1, len(self.questions))

"""Grading: versioned matrices as data, the evaluator, crosswalks and recording a grade.

    from station import grading
    m = grading.active(ctx, "phone")                  # the active matrix of the class
    r = grading.record(ctx, uid, {"power": "yes", ...})  # Grade row + unit fields + event
    grading.required_shots("phone")                   # the photo set of the class
"""

from station.grading.evaluate import FUNCTIONAL_CODES, GradeResult, IncompleteAnswers, evaluate, sale_grade
from station.grading.library import activate, active, available, find, required_shots
from station.grading.matrix import CLASSES, COSMETIC, Matrix, Option, Question, Shot
from station.grading.service import Override, Recorded, history, record

__all__ = [
    "CLASSES",
    "COSMETIC",
    "FUNCTIONAL_CODES",
    "GradeResult",
    "IncompleteAnswers",
    "Matrix",
    "Option",
    "Override",
    "Question",
    "Recorded",
    "Shot",
    "activate",
    "active",
    "available",
    "evaluate",
    "find",
    "history",
    "record",
    "required_shots",
    "sale_grade",
]

"""The audited cases of issue 27, one table per concern, each with the source of its expected value.

Every row was a defect (or a boundary next to one) in the audit by the standards a CTIA grader and
an R2v3 quality manager apply; docs/grading.md carries the same table for people.
"""

from __future__ import annotations

import pytest

from station.errors import ConfigError
from station.grading.form import GradingForm
from station.grading.library import SHIPPED_DIR, load_dir
from station.grading.matrix import parse

MATRICES = {m.id: m for m in load_dir(SHIPPED_DIR)}


def enter_through(matrix_id: str) -> GradingForm:
    """What a technician gets by pressing Enter on every question."""
    form = GradingForm(MATRICES[matrix_id])
    while not form.at_end and form.accept():
        pass
    return form


# -- 1. No default claims a result ---------------------------------------------------------------
# Source: issue 27 "Defaults claim passed tests"; B-Stock/CTIA: "fully functional" means tests passed.
@pytest.mark.parametrize("matrix_id", ["phone", "tablet", "laptop", "desktop", "other"])
def test_enter_through_the_form_is_never_fully_functional(matrix_id: str) -> None:
    form = enter_through(matrix_id)
    assert form.at_end and form.complete, form.current
    r = form.result()
    assert r.functional == "NT" and not r.sale_grade.endswith("+"), (matrix_id, r)


def test_enter_through_a_phone_records_every_test_as_not_checked() -> None:
    answers = enter_through("phone").effective_answers()
    assert answers["power"] == "not_checked" and answers["liquid"] == "not_checked"
    form = GradingForm(MATRICES["phone"], {"power": "yes"})  # it boots; Enter through the rest
    form.goto(1)
    while not form.at_end and form.accept():
        pass
    answers = form.effective_answers()
    assert (answers["locks"], answers["tests"], answers["battery"], answers["display"]) == (
        "not_checked", "not_tested", "unknown", "not_checked")
    assert (form.result().sale_grade, form.result().functional) == ("A", "NT")


def test_a_drive_has_no_default_for_what_only_a_look_can_tell() -> None:
    form = enter_through("drive")
    assert not form.at_end and form.current is not None and form.current.key == "detected"


def test_a_failed_functional_test_asks_which_one_without_a_default() -> None:
    form = GradingForm(MATRICES["phone"], {"power": "yes", "tests": "failed"})
    form.goto(next(i for i, q in enumerate(form.questions) if q.key == "touch_buttons"))
    assert not form.accept()  # Enter cannot say the touch screen works; a key must


@pytest.mark.parametrize("matrix_id", sorted(MATRICES))
def test_no_shipped_default_is_a_passed_test(matrix_id: str) -> None:
    for q in MATRICES[matrix_id].questions:
        chosen = q.option(q.default) if q.default else None
        assert chosen is None or chosen.functional != "pass", (matrix_id, q.key)


def test_the_loader_refuses_a_default_that_claims_a_pass() -> None:
    text = """id = "w"
version = "1"
device_class = "other"
title = "W"

[[questions]]
key = "power"
text = "Works?"
kind = "functional"
default = "yes"
[[questions.options]]
key = "yes"
label = "Yes"
functional = "pass"

[[shots]]
name = "front"
stage = "intake"
description = "Front"
"""
    with pytest.raises(ConfigError, match=r"w\.toml, line 10: default 'yes' records a passed test"):
        parse(text, "w.toml")


@pytest.mark.parametrize("matrix_id", sorted(MATRICES))
def test_each_matrix_has_a_new_version(matrix_id: str) -> None:
    # The 2025.1 matrices defaulted to passed tests; results graded with them keep that version.
    assert MATRICES[matrix_id].version != "2025.1"

"""The audited cases of issue 27, one table per concern, each with the source of its expected value.

Every row was a defect (or a boundary next to one) in the audit by the standards a CTIA grader and
an R2v3 quality manager apply; docs/grading.md carries the same table for people.
"""

from __future__ import annotations

import pytest

from station.errors import ConfigError
from station.grading.evaluate import evaluate
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


# -- 2. CTIA's cosmetic letters ---------------------------------------------------------------------
# Source: CTIA Wireless Device Grading Scales as cited in issue 27 and SERI's CTIA Q&A ("D: heavy
# cosmetic damage with cover lens cracks"): front cover glass cracks are D, display internal damage
# is E, back glass and camera lens cracks are C; beyond economic repair is not a letter.
OK = {"power": "yes", "glass": "flawless", "display": "perfect", "housing": "flawless", "locks": "none",
      "tests": "passed", "battery": "good", "liquid": "clean"}


@pytest.mark.parametrize(("what", "answers", "cosmetic", "screen", "body", "ber"), [
    ("flawless", {}, "A", "A", "A", False),
    ("light scratches a fingernail does not catch: B", {"glass": "light"}, "B", "B", "A", False),
    ("deep scratches a fingernail catches: C", {"glass": "deep"}, "C", "C", "A", False),
    ("cracked cover glass, display works: D", {"glass": "cracked"}, "D", "D", "A", False),
    ("shattered cover glass, perfect display: D (was E)", {"glass": "shattered"}, "D", "D", "A", False),
    ("cracked back glass: C (was D)", {"housing": "back_cracked"}, "C", "A", "C", False),
    ("cracked camera lens: C (there was no lens question)", {"housing": "lens_cracked"}, "C", "A", "C", False),
    ("lines and dead areas in the display: E (was no cosmetic effect)", {"display": "defective"}, "E", "E", "A",
     False),
    ("bent frame: D and beyond economic repair (was E)", {"housing": "bent"}, "D", "A", "D", True),
])
@pytest.mark.parametrize("matrix_id", ["phone", "tablet"])
def test_ctia_letters(matrix_id: str, what: str, answers: dict[str, str], cosmetic: str, screen: str, body: str,
                      ber: bool) -> None:
    m = MATRICES[matrix_id]
    if any(m.question(k).option(v) is None for k, v in answers.items()):  # type: ignore[union-attr]
        assert matrix_id == "tablet" and answers == {"housing": "lens_cracked"}  # one lens question: phones
        return
    given = {k: v for k, v in OK.items() if m.question(k) is not None}
    r = evaluate(m, {**given, **answers})
    assert (r.cosmetic, r.screen, r.body, r.ber) == (cosmetic, screen, body, ber), what


@pytest.mark.parametrize("matrix_id", ["phone", "tablet"])
def test_phone_matrices_record_the_scale_they_follow_and_the_fingernail_test(matrix_id: str) -> None:
    m = MATRICES[matrix_id]
    assert m.scale.startswith("CTIA") and m.version == "2026.2"
    glass = m.question("glass")
    assert glass is not None and "fingernail" in glass.help.lower()
    assert all("fingernail" in o.label for o in glass.options if o.key in ("light", "deep"))


def test_e_is_not_beyond_repair_and_broken_cover_glass_is_not_parts_at_8() -> None:
    from station.disposition import Facts, decide
    from station.disposition_gates import gates
    from station.disposition_rules import load

    rules = load()
    shattered = evaluate(MATRICES["phone"], {**OK, "glass": "shattered"})
    f = Facts("phone", "Galaxy S9", shattered.cosmetic, shattered.functional, shattered.sale_grade, "sanitized",
              shattered.defects, "clear")
    d = decide(rules, f)
    assert (shattered.sale_grade, d.route) == ("D+", "wholesale_auction")  # was E+, harvest parts at 8.00
    display = evaluate(MATRICES["phone"], {**OK, "display": "defective"})
    assert display.cosmetic == "E" and not display.ber
    assert "ber" not in [g.code for g in gates(Facts("phone", "Pixel 7", "E", "FD", "E-", "sanitized",
                                                      display.defects, "clear"))]

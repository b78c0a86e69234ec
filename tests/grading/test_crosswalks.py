"""Golden tests for every crosswalk, and the loader's proof that rules neither leave gaps nor overlap."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.errors import ConfigError
from station.grading import crosswalk
from station.grading.matrix import COSMETIC

FUNCTIONAL = ("FF", "NT", "FD", "NF")

# Hand-written from crosswalks.toml's intent, one row per cosmetic grade, columns FF NT FD NF.
CTIA_FUNCTIONAL = {"FF": "1", "NT": "untested", "FD": "3-9", "NF": "3-9"}
R2_COSMETIC = {"A": "C6", "B": "C5", "C": "C4", "D": "C3", "E": "C1"}
BSTOCK = {
    "A": ("A+", "A", "A-", "Salvage"),
    "B": ("B+", "B", "B-", "Salvage"),
    "C": ("C+", "C", "C-", "Salvage"),
    "D": ("D+", "D", "D-", "Salvage"),
    "E": ("Salvage", "Salvage", "Salvage", "Salvage"),
}
NL = "not listable"
BACKMARKET = {
    "A": ("Premium", NL, NL, NL),
    "B": ("Excellent", NL, NL, NL),
    "C": ("Good", NL, NL, NL),
    "D": ("Fair", NL, NL, NL),
    "E": (NL, NL, NL, NL),
}
CS = "R2 controlled stream"


def golden(device_class: str, cosmetic: str, functional: str) -> dict[str, dict[str, str]]:
    col = FUNCTIONAL.index(functional)
    out: dict[str, dict[str, str]] = {}
    if device_class in ("phone", "tablet"):
        out["ctia"] = {"cosmetic": cosmetic, "functional": CTIA_FUNCTIONAL[functional]}
    fit = "F5" if device_class in ("phone", "tablet") else "F4"
    out["r2v3"] = {"functional": fit if functional == "FF" else CS, "cosmetic": R2_COSMETIC[cosmetic]}
    out["bstock"] = {"grade": BSTOCK[cosmetic][col]}
    if device_class in ("phone", "tablet", "laptop", "desktop"):
        out["backmarket"] = {"grade": BACKMARKET[cosmetic][col]}
    return out


@pytest.mark.parametrize("device_class", ["phone", "tablet", "laptop", "desktop", "drive", "other"])
def test_every_crosswalk_matches_the_golden_table(device_class: str) -> None:
    walks = crosswalk.load()
    for cosmetic in COSMETIC:
        for functional in FUNCTIONAL:
            assert walks.apply(device_class, cosmetic, functional) == golden(device_class, cosmetic, functional), \
                (device_class, cosmetic, functional)


def test_seri_cross_reference_points_hold() -> None:
    # SERI: a CTIA 1 with cosmetic A-B is F5 / C6..C5 in the REC; A..D map to C6..C3.
    walks = crosswalk.load()
    assert walks.apply("phone", "A", "FF")["r2v3"] == {"functional": "F5", "cosmetic": "C6"}
    assert [walks.apply("phone", g, "FF")["r2v3"]["cosmetic"] for g in "ABCD"] == ["C6", "C5", "C4", "C3"]


SMALL = """\
version = "1"

[demo]
title = "Demo"
applies_to = ["drive"]
fields = ["grade"]

[[demo.rules]]
field = "grade"
functional = ["FF"]
value = "{cosmetic}+"

[[demo.rules]]
field = "grade"
functional = ["NT", "FD", "NF"]
value = "{cosmetic}?"
"""


def test_a_small_crosswalk_parses_and_formats() -> None:
    walks = crosswalk.parse(SMALL, "small.toml")
    assert walks.apply("drive", "C", "FF") == {"demo": {"grade": "C+"}}
    assert walks.apply("phone", "C", "FF") == {}


def test_a_gap_is_an_error_naming_the_file_line_and_combination(tmp_path: Path) -> None:
    text = SMALL.replace('functional = ["NT", "FD", "NF"]', 'functional = ["NT", "FD"]')
    with pytest.raises(ConfigError, match=r"small\.toml, line 3: crosswalk 'demo' gives no 'grade' for a drive "
                                          r"graded A/NF"):
        crosswalk.parse(text, "small.toml")


def test_an_overlap_is_an_error_naming_the_second_rule(tmp_path: Path) -> None:
    text = SMALL.replace('functional = ["NT", "FD", "NF"]', 'functional = ["FF", "NT", "FD", "NF"]')
    with pytest.raises(ConfigError, match=r"small\.toml, line 13: crosswalk 'demo' rule overlaps line 8"):
        crosswalk.parse(text, "small.toml")


def test_a_bad_value_template_or_key_names_its_line() -> None:
    with pytest.raises(ConfigError, match=r"line 11: 'value' may only use"):
        crosswalk.parse(SMALL.replace('"{cosmetic}+"', '"{grade}+"'), "small.toml")
    with pytest.raises(ConfigError, match=r"line 10: 'functional' must list values from FF, NT, FD, NF"):
        crosswalk.parse(SMALL.replace('functional = ["FF"]', 'functional = ["OK"]'), "small.toml")
    with pytest.raises(ConfigError, match=r"line 5: '.*applies_to' must list classes"):
        crosswalk.parse(SMALL.replace('applies_to = ["drive"]', 'applies_to = ["fridge"]'), "small.toml")

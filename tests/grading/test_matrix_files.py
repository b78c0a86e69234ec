"""Matrix files: every shipped one is valid, and a bad one is an error naming the file, line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.errors import ConfigError
from station.grading.library import SHIPPED_DIR, load_dir
from station.grading.matrix import CLASSES, load_file, parse, version_key

GOOD = """\
id = "widget"
version = "1"
device_class = "other"
title = "Widgets"

[[questions]]
key = "power"
text = "Powers on?"
kind = "functional"
[[questions.options]]
key = "yes"
label = "Yes"
functional = "pass"
[[questions.options]]
key = "no"
label = "No"
functional = "dead"

[[questions]]
key = "look"
text = "Looks"
kind = "cosmetic"
when = { power = ["yes"] }
[[questions.options]]
key = "fine"
label = "Fine"
cosmetic = "A"

[[shots]]
name = "front"
stage = "intake"
description = "Front"
"""


def _error(tmp_path: Path, text: str) -> str:
    f = tmp_path / "widget.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_file(f)
    message = str(info.value)
    assert message.startswith(str(f)), message
    return message


def test_every_shipped_matrix_loads_and_each_class_has_one() -> None:
    matrices = load_dir(SHIPPED_DIR)
    assert sorted(m.device_class for m in matrices) == sorted(CLASSES)
    for m in matrices:
        assert m.sha256 == load_file(Path(m.source)).sha256
        assert any(s.required for s in m.shots)


def test_the_good_example_parses() -> None:
    m = parse(GOOD, "good.toml")
    assert m.ref == "widget@1"
    assert m.question("look").when == (("power", frozenset({"yes"})),)


@pytest.mark.parametrize(("edit", "line", "words"), [
    (lambda t: t.replace('cosmetic = "A"', 'cosmetic = "F"'), 27, "'cosmetic' is 'F'; it must be one of A, B, C, D, E"),
    (lambda t: t.replace('kind = "cosmetic"', 'kind = "cosmetic"\ncolour = "red"'), 23, "unknown key 'colour'"),
    (lambda t: t.replace('when = { power = ["yes"] }', 'when = { look = ["fine"] }'), 23,
     "'look', which is not an earlier question"),
    (lambda t: t.replace('when = { power = ["yes"] }', 'when = { power = ["maybe"] }'), 23,
     "names 'maybe', which is not an option of 'power'"),
    (lambda t: t.replace('key = "look"', 'key = "power"'), 20, "question key 'power' is used twice"),
    (lambda t: t.replace('key = "no"', 'key = "yes"'), 15, "option key 'yes' is used twice"),
    (lambda t: t.replace('device_class = "other"', 'device_class = "fridge"'), 3, "must be one of phone"),
    (lambda t: t.replace('stage = "intake"', 'stage = "later"'), 31, "'stage' is 'later'"),
    (lambda t: t.replace('functional = "dead"', 'functional = "dead"\ndefect = "No Power"'), 18,
     "lower-case letters"),
    (lambda t: t.replace('title = "Widgets"\n', ''), 1, "is missing 'title'"),
])
def test_schema_errors_name_the_line_and_the_problem(tmp_path: Path, edit, line: int, words: str) -> None:
    message = _error(tmp_path, edit(GOOD))
    assert f", line {line}: " in message, message
    assert words in message, message


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD.replace('label = "Fine"', 'label = "Fine'))
    assert ", line 26: not valid TOML" in message, message


def test_more_than_nine_options_cannot_be_chosen_by_number(tmp_path: Path) -> None:
    options = "".join(f'[[questions.options]]\nkey = "o{i}"\nlabel = "O{i}"\n' for i in range(10))
    text = GOOD.replace('[[questions.options]]\nkey = "fine"\nlabel = "Fine"\ncosmetic = "A"\n', options)
    message = _error(tmp_path, text)
    assert "at most 9 options" in message
    tenth_header = text.splitlines().index('key = "o9"')  # 0-based index of its key = 1-based line of its header
    assert f", line {tenth_header}: " in message


def test_two_files_with_the_same_id_and_version_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD.replace('title = "Widgets"', 'title = "Widgets again"'))
    with pytest.raises(ConfigError, match=r"widget@1 is also defined in .*a\.toml"):
        load_dir(tmp_path)


def test_versions_sort_naturally() -> None:
    assert sorted(["2025.1", "2024.10", "2024.2", "3"], key=version_key) == ["3", "2024.2", "2024.10", "2025.1"]

"""Layouts are data: the shipped ones load, and every mistake names the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.errors import ConfigError
from station.labels import layout

GOOD = """name = "t"
width = 50.8
height = 25.4

[[element]]
type = "text"
text = "{grade}"
size = 5.0
x = 1.0
y = 1.0
w = 20.0
h = 8.0
"""


def test_shipped_layouts_load_and_cover_the_three_sizes() -> None:
    names = set(layout.available())
    assert {"2x1in", "62x29mm", "4x6in"} <= names
    for name in names:
        lay = layout.find(name)
        assert lay.name == name
        assert "uid" in lay.fields and "grade" in lay.fields
        for dpi in (203, 300):
            w, h = lay.dots(dpi)
            assert w % 8 == 0 and w > 0 and h > 0


@pytest.mark.parametrize(("edit", "line", "words"), [
    (('size = 5.0', 'size = 5.0\ncolour = "red"'), 9, "'colour' is not a setting of a text element"),
    (('text = "{grade}"', 'text = "{grad}"'), 7, "unknown field '{grad}'"),
    (('x = 1.0', 'x = 45.0'), 5, "is off the label"),
    (('size = 5.0', 'size = 5.0\nfont = "Comic"'), 9, "font 'Comic'"),
    (('type = "text"', 'type = "pdf417"'), 5, "element type 'pdf417'"),
    (('size = 5.0', 'size = "big"'), 8, "'size' must be float"),
    (('height = 25.4', 'height = 25.4\nshape = "round"'), 4, "unknown key 'shape'"),
    (('size = 5.0', 'size = nan'), 8, "'size' must be a finite number"),
    (('size = 5.0', 'size = inf'), 8, "'size' must be a finite number"),
    (('size = 5.0', 'size = -3.0'), 8, "'size' must be more than 0 mm, not -3.0"),
    (('size = 5.0', 'size = 0'), 8, "'size' must be more than 0 mm"),
    (('x = 1.0', 'x = nan'), 9, "'x' must be a finite number"),
    (('w = 20.0', 'w = -inf'), 11, "'w' must be a finite number"),
    (('width = 50.8', 'width = nan'), 2, "'width' must be a finite number"),
])
def test_errors_name_file_and_line(tmp_path: Path, edit: tuple[str, str], line: int, words: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(GOOD.replace(*edit))
    with pytest.raises(ConfigError) as err:
        layout.load(path)
    assert f"{path}:{line}:" in str(err.value)
    assert words in str(err.value)


def test_bad_toml_and_missing_parts(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text("name = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        layout.load(path)
    path.write_text(GOOD.replace("x = 1.0\n", ""))
    with pytest.raises(ConfigError, match="needs 'x'"):
        layout.load(path)


def test_configured_folder_overrides_a_shipped_layout(tmp_path: Path) -> None:
    (tmp_path / "2x1in.toml").write_text(GOOD.replace('name = "t"', 'name = "2x1in"'))
    assert layout.find("2x1in", str(tmp_path)).path == tmp_path / "2x1in.toml"
    assert layout.find("4x6in", str(tmp_path)).path.parent == layout.SHIPPED
    with pytest.raises(ConfigError, match="No label layout named 'nope'"):
        layout.find("nope", str(tmp_path))


def test_every_wipe_outcome_has_its_own_word_on_the_label() -> None:
    from station.disposition_rules import WIPE_STATUSES
    from station.labels.fields import WIPE_WORDS
    words = [WIPE_WORDS[status] for status in WIPE_STATUSES if status != "none"]
    assert len(set(words)) == len(words) and "NOT WIPED" not in words
    assert WIPE_WORDS["aborted"] == "WIPE STOPPED"

"""One TOML line locator for every data loader: matrices, rules, crosswalks, layouts and firmware profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.erase import profiles
from station.errors import ConfigError
from station.labels import layout
from station.toml_lines import locate

TEXT = """\
schema = 1
id = "x"

[match]
model = "^S$"

[timeouts]
"ata-sanitize-block" = 1200

[[element]]
type = "text"

[[element]]
type = "qr"
font = "big"
"""


@pytest.mark.parametrize(("path", "line"), [
    (("id",), 2),
    (("match",), 4),
    (("match", "model"), 5),
    (("timeouts", "ata-sanitize-block"), 8),  # a quoted key
    (("element", 1), 13),
    (("element", 1, "font"), 15),
    (("element", 0, "font"), 10),  # not in that block: the block's header
])
def test_locate(path: tuple[str | int, ...], line: int) -> None:
    assert locate(TEXT, path) == line


def test_a_profile_error_points_at_a_quoted_key(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('schema = 1\nid = "p"\nversion = 1\nkind = "drive"\n[match]\nmodel = "^S$"\n'
                    '[timeouts]\n"nvme-format-crypto" = "soon"\n[test]\nmodel = "S"\n')
    with pytest.raises(ConfigError, match=rf"{path}:8: "):
        profiles.load_profile(path)


def test_a_layout_error_points_at_the_key_in_its_element(tmp_path: Path) -> None:
    path = tmp_path / "l.toml"
    path.write_text('name = "l"\nwidth = 50\nheight = 25\n\n[[element]]\ntype = "text"\nx = 0\ny = 0\nw = 10\n'
                    'h = 5\ntext = "{uid}"\nsize = 3\n\n[[element]]\ntype = "text"\nx = 0\ny = 0\nw = 10\nh = 5\n'
                    'text = "{uid}"\nsize = 3\nfont = "huge"\n')
    with pytest.raises(ConfigError, match=rf"{path}:22: font 'huge'"):
        layout.parse(path.read_text(), path)


def test_read_document_refuses_an_unknown_top_key_with_its_line_and_the_allowed_ones() -> None:
    import pytest

    from station.errors import ConfigError
    from station.toml_lines import read_document

    with pytest.raises(ConfigError, match=r"^rules.toml, line 3: unknown key 'routse' \(allowed: routes, version\)"):
        read_document('version = "1"\n\nroutse = []\n', "rules.toml", {"version", "routes"})
    raw, fail = read_document('version = "1"\n\nroutes = []\n', "rules.toml", {"version", "routes"})
    assert raw == {"version": "1", "routes": []}
    assert str(fail(("routes",), "must not be empty.")) == "rules.toml, line 3: must not be empty."

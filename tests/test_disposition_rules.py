"""The disposition rules file: validated on load, errors name the file and line; R2v3 cannot be edited away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from station import disposition
from station.disposition_rules import SHIPPED, for_config, parse
from station.errors import ConfigError

TEXT = SHIPPED.read_text()


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("old", "new", "needle", "words"), [
    ('route = "refurbish"', 'route = "repair"', 'route = "repair"', "route must be one of"),
    ("recovery_rate = 0.60", "recovery_rate = 1.6", "recovery_rate = 1.6", "from 0 to 1"),
    ('explanation = "Graded {grade} with defects', 'explanation = "Graded {grade} {colour} with defects',
     "{colour}", "using only {grade}"),
    ('model = "Pixel [7-9]*"\nA = 260.0', 'model = "Pixel [7-9]*"\nA = "lots"', 'A = "lots"', "grade A must be"),
    ('min_value = 80.0', 'min_value = 80.0\nweather = "dry"', 'weather = "dry"', "unknown key 'weather'"),
    ('cosmetic = ["A", "B", "C"]\nmin_value = 80.0', 'cosmetic = ["A", "B", "Z"]\nmin_value = 80.0',
     'cosmetic = ["A", "B", "Z"]', "'cosmetic' must be a list"),
])
def test_bad_rules_name_the_file_and_line(old: str, new: str, needle: str, words: str) -> None:
    assert old in TEXT
    text = TEXT.replace(old, new, 1)
    with pytest.raises(ConfigError) as info:
        parse(text, "rules.toml")
    assert f"rules.toml, line {_line_of(text, needle)}: " in str(info.value), str(info.value)
    assert words in str(info.value)


def test_a_syntax_error_names_its_line() -> None:
    line = _line_of(TEXT, 'label = "Wholesale auction"')
    with pytest.raises(ConfigError, match=rf"rules\.toml, line {line}: not valid TOML"):
        parse(TEXT.replace('label = "Wholesale auction"', 'label = "Wholesale auction'), "rules.toml")


def test_the_last_rule_must_catch_everything() -> None:
    text = TEXT.replace('name = "default"\nroute = "recycle"', 'name = "default"\nroute = "recycle"\n'
                        'device_class = ["phone"]')
    with pytest.raises(ConfigError, match="the last rule must have no conditions"):
        parse(text, "rules.toml")


def test_every_route_must_be_described() -> None:
    start = TEXT.index("[routes.donate]")
    text = TEXT[:start] + TEXT[TEXT.index("\n[functional_factor]"):]
    with pytest.raises(ConfigError, match=r"route 'donate' is not described under \[routes\.donate\]"):
        parse(text, "rules.toml")


def test_the_data_cannot_switch_off_the_sanitization_gate() -> None:
    text = TEXT.replace('label = "Donate"\nrecovery_rate = 0.00\nrequires_sanitization = true',
                        'label = "Donate"\nrecovery_rate = 0.00\nrequires_sanitization = false')
    rules = parse(text, "rules.toml")
    assert rules.routes["donate"].requires_sanitization
    f = disposition.Facts("laptop", "X", "B", "FF", "B+", "none")
    assert "R2v3 Appendix B" in (disposition.sanitization_block(f, "donate", rules) or "")


def test_a_configured_rules_file_is_used(ctx, tmp_path: Path) -> None:
    custom = tmp_path / "rules.toml"
    custom.write_text(re.sub(r'(?m)^version = ".*"$', 'version = "site-7"', TEXT))
    ctx.config.set("disposition.rules_file", str(custom))
    assert for_config(ctx.config).version == "site-7"
    ctx.config.set("disposition.rules_file", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"missing\.toml: the disposition rules cannot be read"):
        for_config(ctx.config)

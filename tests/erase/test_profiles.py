"""Firmware profiles: every shipped profile is valid and passes its own [test] example;
broken profiles are errors naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.devices.drive.facts import DriveFacts
from station.erase import plan, profiles
from station.errors import ConfigError

SHIPPED = sorted(profiles.SHIPPED.glob("*.toml"))


def _example(p: profiles.Profile) -> DriveFacts:
    t = p.test
    return DriveFacts(model=t.get("model"), firmware=t.get("firmware"), model_family=t.get("family"),
                      vendor=t.get("vendor"), usb_id=t.get("usb_id"), bus=t.get("bus"), **t.get("facts", {}))


def test_profiles_ship() -> None:
    assert len(SHIPPED) >= 10
    kinds = {p.kind for p in profiles.load_all()}
    assert kinds == {"drive", "usb-bridge", "raid-volume"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_profile_passes_its_own_example(path: Path) -> None:
    everything = profiles.load_all()
    p = profiles.load_profile(path)
    facts = _example(p)
    assert p.matches(facts), f"{path.name}: its [test] example does not match its [match] patterns"
    for level in ("purge", "clear"):
        want = p.test.get(f"expect_{level}")
        if want is None:
            continue
        result = plan.plan_for(facts, level, everything)
        got = "refuse" if isinstance(result, plan.Refusal) else result.method
        assert got == want, f"{path.name} at {level}: planned {got}, the profile expects {want}"
        assert p.label in result.profiles
        if p.expected_pattern and isinstance(result, plan.Plan) and result.method != "overwrite":
            assert result.expected_pattern == p.expected_pattern


def test_a_profile_does_not_match_other_drives() -> None:
    everything = profiles.load_all()
    plain = DriveFacts(model="Some Other Drive 1TB", firmware="X", bus="ata", usb_id="0x9999:0x0001")
    assert profiles.find(everything, plain) == []


def _write(tmp_path: Path, body: str, name: str = "bad-one") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(body)
    return path


GOOD = 'schema = 1\nid = "bad-one"\nversion = 1\nkind = "drive"\n[match]\nmodel = "^X"\n[test]\nmodel = "X"\n'


@pytest.mark.parametrize(("body", "line", "words"), [
    (GOOD.replace('model = "^X"', 'model = "^(X"'), 6, "not a valid regular expression"),
    (GOOD.replace('kind = "drive"', 'kind = "floppy"'), 4, "must be one of"),
    (GOOD + '[quirks]\nreported_but_fail = ["ata-magic"]\n', 10, "must be one of"),
    (GOOD + '[timeouts]\n"nvme-format-crypto" = -5\n', 10, "positive number"),
    (GOOD.replace("[test]\n", "[test]\ncolour = 1\n"), 8, "unknown key"),
    ("surprise = true\n" + GOOD, 1, "unknown key"),
    (GOOD + "surprise = true\n", 9, "[test] surprise: unknown key"),
    (GOOD.replace('id = "bad-one"', 'id = "other"'), 2, "file name"),
    (GOOD + '[verify]\nexpected_pattern = "stripes"\n', 10, "must be one of"),
    (GOOD.replace('model = "X"\n', ""), 7, "a [test] example"),
])
def test_errors_name_file_and_line(tmp_path: Path, body: str, line: int, words: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError) as err:
        profiles.load_profile(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message


def test_invalid_toml_reports_its_position(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "[match\n")
    with pytest.raises(ConfigError, match=r"bad-one.toml: not valid TOML .*line 9"):
        profiles.load_profile(path)


def test_duplicate_ids_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing"):
        profiles.load_all(tmp_path / "nope")
    a = tmp_path / "a"
    a.mkdir()
    _write(a, GOOD)
    assert [p.id for p in profiles.load_all(a)] == ["bad-one"]


def test_usb_bridge_profile_needs_its_usb_id(tmp_path: Path) -> None:
    body = GOOD.replace('kind = "drive"', 'kind = "usb-bridge"') + "[bridge]\npasses_ata = true\n"
    with pytest.raises(ConfigError, match="usb_id"):
        profiles.load_profile(_write(tmp_path, body))

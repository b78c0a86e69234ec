"""Settings: declared once, read from TOML, errors name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.config import BY_KEY, SETTINGS, Config
from station.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "station.toml"
    p.write_text(text)
    return p


def test_defaults_without_a_file(tmp_path: Path) -> None:
    cfg = Config.load(tmp_path / "absent.toml")
    assert cfg["wipe.block_mib"] == BY_KEY["wipe.block_mib"].default


def test_every_setting_is_declared_once_with_a_description() -> None:
    keys = [s.key for s in SETTINGS]
    assert len(keys) == len(set(keys))
    assert all(s.description and isinstance(s.default, s.type) for s in SETTINGS)


def test_tables_map_to_dotted_keys(tmp_path: Path) -> None:
    cfg = Config.load(write(tmp_path, '[printer]\nkind = "zpl"\ntimeout_s = 5\n[wipe]\nblock_mib = 16\n'))
    assert cfg["printer.kind"] == "zpl"
    assert cfg["printer.timeout_s"] == 5.0
    assert cfg["wipe.block_mib"] == 16


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    p = write(tmp_path, "[printer]\ncolour = true\n")
    with pytest.raises(ConfigError) as err:
        Config.load(p)
    assert str(p) in str(err.value) and "printer.colour" in str(err.value)


def test_wrong_type_names_file_and_key(tmp_path: Path) -> None:
    p = write(tmp_path, '[wipe]\nblock_mib = "eight"\n')
    with pytest.raises(ConfigError) as err:
        Config.load(p)
    assert str(p) in str(err.value) and "wipe.block_mib" in str(err.value)


def test_corrupt_toml_is_a_clear_error(tmp_path: Path) -> None:
    p = write(tmp_path, "[printer\nkind = \n")
    with pytest.raises(ConfigError) as err:
        Config.load(p)
    assert str(p) in str(err.value) and "not valid TOML" in str(err.value)


def test_newer_config_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="newer"):
        Config.load(write(tmp_path, "config_version = 99\n"))


def test_upgrade_functions_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import station.config as config

    monkeypatch.setattr(config, "CONFIG_VERSION", 2)
    monkeypatch.setitem(config.UPGRADES, 1, lambda flat: {
        ("printer.connection" if k == "printer.address" else k): v for k, v in flat.items()})
    cfg = Config.load(write(tmp_path, 'config_version = 1\n[printer]\naddress = "tcp://10.0.0.7:9100"\n'))
    assert cfg["printer.connection"] == "tcp://10.0.0.7:9100"
    assert cfg["config_version"] == 2


def test_secrets_are_masked(tmp_path: Path) -> None:
    cfg = Config.load(write(tmp_path, '[sync]\ntoken = "s3cret"\n'))
    assert dict(cfg.items())["sync.token"] == "********"
    assert cfg["sync.token"] == "s3cret"


def test_corrupt_config_stops_the_cli_with_a_sentence(tmp_path: Path) -> None:
    import subprocess
    import sys

    d = tmp_path / "data"
    d.mkdir()
    (d / "station.toml").write_text("[scanner]\nbaud = 9600\n")
    r = subprocess.run([sys.executable, "-m", "station", "--data-dir", str(d), "db", "migrate"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "scanner.baud" in r.stderr and "Traceback" not in r.stderr

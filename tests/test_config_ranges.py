"""Settings have ranges and choices checked on load, typed reads, and private files."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from station import admin
from station.config import BY_KEY, SETTINGS, Config
from station.errors import ConfigError
from station.store import Store

STATION = Path(__file__).parent.parent / "station"


def _toml(tmp_path: Path, text: str | bytes) -> Path:
    p = tmp_path / "station.toml"
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def test_every_numeric_setting_has_a_range_and_every_default_is_inside_it() -> None:
    for s in SETTINGS:
        if s.type in (int, float):
            assert s.range is not None, s.key
        assert s.check(s.default) is None, s.key


@pytest.mark.parametrize(("text", "says"), [
    ("[operators]\nlockout_minutes = -5\n", "'operators.lockout_minutes' must be between 1 and 1440, not -5"),
    ("[operators]\nmax_pin_attempts = 0\n", "'operators.max_pin_attempts' must be between 1 and 100"),
    ("[printer]\ntimeout_s = nan\n", "'printer.timeout_s' must be between 0.1 and 120, not nan"),
    ("[sync]\ninterval_s = inf\n", "'sync.interval_s' must be between"),
    ("[wipe]\nblock_mib = 1\n", "'wipe.block_mib' must be between 4 and 1024"),
    ("[printer]\nkind = \"zpl2\"\n", "'printer.kind' must be one of 'escpos', 'zpl', 'none'"),
    ("config_version = 0\n", "'config_version' must be a whole number from 1"),
    ("config_version = true\n", "'config_version' must be a whole number from 1"),
])
def test_out_of_range_values_name_the_file_and_the_key(tmp_path: Path, text: str, says: str) -> None:
    path = _toml(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert str(err.value).startswith(str(path)) and says in str(err.value), str(err.value)


def test_a_non_utf8_settings_file_names_its_line(tmp_path: Path) -> None:
    path = _toml(tmp_path, b'[org]\nname = "ok"\nphone = "\xff"\n')
    with pytest.raises(ConfigError, match=r"station\.toml, line 3: not UTF-8 text \(byte 0xff\)"):
        Config.load(path)


def test_typed_reads_check_the_declared_type() -> None:
    config = Config({"sync.batch_size": 7, "printer.timeout_s": 2})
    assert config.get_int("sync.batch_size") == 7
    assert config.get_float("printer.timeout_s") == 2.0 and isinstance(config.get_float("printer.timeout_s"), float)
    assert config.get_bool("label.auto_print") is True and config.get_str("label.layout") == "2x1in"
    with pytest.raises(TypeError, match="declared float"):
        config.get_int("printer.timeout_s")
    with pytest.raises(KeyError):
        config.get_str("no.such.key")
    assert BY_KEY["sync.batch_size"].type is int


def test_call_sites_read_settings_typed_not_by_casting() -> None:
    cast = re.compile(r"\b(int|float|str|bool)\((?:self\.)?(?:ctx\.)?config\[")
    offenders = [f"{p.relative_to(STATION)}:{n}" for p in STATION.rglob("*.py")
                 for n, line in enumerate(p.read_text().splitlines(), 1) if cast.search(line)]
    assert offenders == []


def test_database_and_settings_are_private_to_the_station_user(ctx) -> None:
    db = ctx.data.database
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    ctx.close()
    db.chmod(0o644)  # copied in by hand, or made by an older station
    Store(db).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    ctx.data.config_file.write_text('[sync]\ntoken = "s3cret"\n')
    ctx.data.config_file.chmod(0o644)
    from tests.test_admin import _as

    _as(ctx, "supervisor")
    admin.change_settings(ctx, {"org.name": "ReCircle GmbH"})
    assert stat.S_IMODE(ctx.data.config_file.stat().st_mode) == 0o600
    assert 's3cret' in ctx.data.config_file.read_text()


def test_the_data_dir_is_private_to_the_station_user(tmp_path) -> None:
    from station.context import open_station

    made = tmp_path / "fresh"
    open_station(made).close()
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    old = tmp_path / "old"
    old.mkdir(mode=0o755)  # made by an older station, or by hand under a 022 umask
    old.chmod(0o755)
    open_station(old).close()
    assert stat.S_IMODE(old.stat().st_mode) == 0o700

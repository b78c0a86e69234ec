"""The `station` entry point: one parser per command word, the same answers as the full one."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from station import __version__, cli


def test_subcommand_table_matches_what_the_modules_register() -> None:
    registered: dict[str, str] = {}
    for module in cli.COMMAND_MODULES:
        p = argparse.ArgumentParser()
        sub = p.add_subparsers()
        importlib.import_module(module).register(sub)
        registered.update(dict.fromkeys(sub.choices, module))
    assert registered == cli.SUBCOMMANDS


def test_command_word_skips_global_options() -> None:
    assert cli._command_word(["--data-dir", "/x", "-v", "wipe", "/dev/sdb"]) == "wipe"
    assert cli._command_word(["-v"]) is None


def test_version_and_help() -> None:
    r = subprocess.run([sys.executable, "-m", "station", "--version"], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == f"station {__version__}"
    r = subprocess.run([sys.executable, "-m", "station", "--help"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    for word in cli.SUBCOMMANDS:
        assert word in r.stdout


def test_a_command_loads_only_its_own_module() -> None:
    code = ("import sys, station.cli as c; c._parser_for(['identify', 'x']); "
            "print(sorted(m for m in sys.modules if m.startswith('station.commands.')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "['station.commands.identify']", r.stdout + r.stderr


def test_unknown_command_is_an_argparse_error() -> None:
    r = subprocess.run([sys.executable, "-m", "station", "no-such-command"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_no_display_is_a_sentence_not_a_qt_abort(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["STATION_DATA_DIR"] = str(tmp_path / "d")
    r = subprocess.run([sys.executable, "-m", "station", "demo"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    assert "needs a display" in r.stderr and "QT_QPA_PLATFORM=offscreen" in r.stderr


def test_global_options_without_a_command_start_the_bench_app(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    args = cli._parser_for(["--data-dir", str(tmp_path)]).parse_args(["--data-dir", str(tmp_path)])
    assert args.func is cli._run_gui and args.demo is False and args.data_dir == str(tmp_path)
    # The same through the real entry point: the display check answers, not argparse.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = subprocess.run([sys.executable, "-m", "station", "--data-dir", str(tmp_path / "d"), "-v"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "needs a display" in r.stderr, r.stderr[-500:]

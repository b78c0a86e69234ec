"""`station`: the GUI by default, plus subcommands for scripts and supervisors.

Each area adds its subcommands from a module in station/commands/ exposing
`register(subparsers)`; the handler gets the parsed args and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from station import __version__, atomic
from station.errors import Cancelled, UserFacingError
from station.i18n import _

log = logging.getLogger(__name__)

COMMAND_MODULES = (
    "station.commands.db",
    "station.commands.drives",
    "station.commands.wipe",
    "station.commands.phones",
    "station.commands.config",
    "station.commands.label",
    "station.commands.grade",
    "station.commands.lots",
    "station.commands.route",
    "station.commands.sync",
    "station.commands.hub",
    "station.commands.cert",
    "station.commands.plan",
    "station.commands.identify",
    "station.commands.operators",
    "station.commands.export",
)


# Which module registers each subcommand, so `station wipe ...` imports only what a wipe
# needs and the GUI imports none of them. Only speed depends on this table: a word not in
# it falls back to the full parser. A test keeps it in step with what the modules register.
SUBCOMMANDS = {
    "db": "station.commands.db", "drives": "station.commands.drives", "wipe": "station.commands.wipe",
    "phones": "station.commands.phones", "config": "station.commands.config", "label": "station.commands.label",
    "grade": "station.commands.grade", "lots": "station.commands.lots", "route": "station.commands.route",
    "outcome": "station.commands.route", "sync": "station.commands.sync", "hub": "station.commands.hub",
    "cert": "station.commands.cert", "plan": "station.commands.plan", "unlock": "station.commands.plan",
    "identify": "station.commands.identify", "operator": "station.commands.operators",
    "export": "station.commands.export", "kpis": "station.commands.export",
}


def _command_word(argv: Sequence[str]) -> str | None:
    words = iter(argv)
    for word in words:
        if word == "--data-dir":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="station", description=_("Bench triage station."))
    parser.add_argument("--version", action="version", version=f"station {__version__}")
    parser.add_argument("--data-dir", help=_("data folder (default: STATION_DATA_DIR, else /var/lib/triage-station "
                                             "when installed from the package, else the user's)"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("log debug detail"))
    # No command word means the bench app, with whatever global options came before it.
    parser.set_defaults(func=_run_gui, demo=False, script=False, pace=3.0)
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"))
    gui = sub.add_parser("gui", help=_("start the bench app (the default)"))
    gui.set_defaults(func=_run_gui, demo=False, script=False, pace=3.0)
    demo = sub.add_parser("demo", help=_("start the bench app with simulated devices"))
    demo.add_argument("--script", action="store_true",
                      help=_("play a scripted shift (one phone from its scan to its checked label), print a "
                             "summary and exit: 0 when the phone was finished, 1 when a step did not come"))
    demo.add_argument("--pace", type=float, default=3.0, metavar=_("SECONDS"),
                      help=_("with --script: seconds between the scripted inputs (default 3)"))
    demo.set_defaults(func=_run_gui, demo=True)
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    word = _command_word(argv)
    if word in SUBCOMMANDS:
        return build_parser((SUBCOMMANDS[word],))
    if word in ("gui", "demo") or (word is None and not {"-h", "--help"} & set(argv)):
        return build_parser(())
    return build_parser()


def _require_display() -> None:
    """Qt without a display aborts the process (a core dump, and a hint about libxcb that misleads)."""
    env = os.environ
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
                                                 or env.get("QT_QPA_PLATFORM")):
        raise UserFacingError(_(
            "The bench app needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is set (over SSH or from a "
            "service?). Start it on the bench's screen, use the command line ('station --help'), or set "
            "QT_QPA_PLATFORM=offscreen for a headless check."
        ))


def _run_gui(args: argparse.Namespace) -> int:
    _require_display()
    from station.ui.app import run  # Qt is imported only when the GUI is asked for

    return run(data_dir=args.data_dir, demo=args.demo, script_pace_s=max(args.pace, 0.0) if args.script else None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser_for(argv)
    args = parser.parse_args(argv)
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(console)
    try:
        return int(args.func(args))
    except UserFacingError as exc:
        print(_("station: {exc}").format(exc=exc), file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno not in atomic.DISK_ERRNOS:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        why = _("the command stopped because {why}{where}. Free some space or check the disk, then run it again.")
        print(_("station: {exc}").format(exc=why.format(why=atomic.why(exc), where=where)), file=sys.stderr)
        return 2
    except Cancelled:
        return 130
    except KeyboardInterrupt:
        return 130

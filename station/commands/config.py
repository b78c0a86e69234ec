"""`station config show|describe`: the effective settings, and what each one means."""

from __future__ import annotations

import argparse

from station.config import SETTINGS
from station.context import open_readonly_path, settings
from station.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    cfg = sub.add_parser("config", help=_("show settings"))
    csub = cfg.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    csub.add_parser("show", help=_("effective settings (secrets masked)")).set_defaults(func=_show)
    csub.add_parser("describe", help=_("every setting with its type, default and meaning")).set_defaults(func=_describe)


def _show(args: argparse.Namespace) -> int:
    data = open_readonly_path(args.data_dir)
    config = settings(data)
    print(f"# {data.config_file}")
    for key, value in config.items():
        print(f"{key} = {value!r}")
    return 0


def _describe(_args: argparse.Namespace) -> int:
    for s in SETTINGS:
        bounds = ""
        if s.range is not None:
            bounds = f", {s.range[0]:g} to {s.range[1]:g}"
        elif s.choices is not None:
            bounds = ", one of " + "/".join(s.choices)
        print(
            _("{key} ({type}{bounds}, default {default!r})\n    {description}").format(
                key=s.key, type=s.type.__name__, bounds=bounds, default=s.default, description=s.description
            )
        )
    return 0

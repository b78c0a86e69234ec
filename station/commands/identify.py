"""`station identify TEXT [--json]`: how the station reads one scan, and why it was rejected.

Exit status 0 for a valid identifier, 1 for an invalid one (scripts rely on this).
In TEXT, '<GS>' or a literal backslash-x1d stands for the GS separator, which a shell
cannot easily pass; '-' reads the raw scan bytes from standard input.
"""

from __future__ import annotations

import argparse
import json
import sys

from station.context import open_readonly_path, settings
from station.errors import UserFacingError
from station.i18n import _
from station.identifiers import classify


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("identify", help=_("classify one scan: kind, normalised value, parts, validity and reason"))
    p.add_argument("text", help=_("the scanned text; '<GS>' for the GS separator; '-' reads stdin"))
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    p.set_defaults(func=_identify)


def _identify(args: argparse.Namespace) -> int:
    config = settings(open_readonly_path(args.data_dir))
    raw: str | bytes
    if args.text == "-":
        raw = sys.stdin.buffer.read().rstrip(b"\r\n")
    else:
        raw = args.text.replace("<GS>", "\x1d").replace("\\x1d", "\x1d").replace("\\x1D", "\x1d")
    try:
        c = classify(raw, config)
    except UserFacingError as exc:
        if args.json:
            print(json.dumps({"kind": None, "value": None, "parts": {}, "valid": False, "reason": str(exc),
                              "symbology": None}))
        else:
            print(_("invalid: {exc}").format(exc=exc))
        return 1
    if args.json:
        print(json.dumps({**c.to_dict(), "identifier": c.identifier}, ensure_ascii=False))
        return 0 if c.valid else 1
    print(_("kind:      {kind}").format(kind=c.kind))
    print(_("value:     {value}").format(value=c.value))
    if c.symbology:
        print(_("symbology: {symbology}").format(symbology=c.symbology))
    print(_("valid:     {value}: {reason}").format(value='yes' if c.valid else 'NO', reason=c.reason))
    for key, value in c.parts.items():
        print(f"  {key}: {value}")
    return 0 if c.valid else 1

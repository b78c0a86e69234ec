"""`station operator add|list|unlock|deactivate`: who may sign in at this bench."""

from __future__ import annotations

import argparse
import getpass
import sys

from station import admin, operators
from station.commands.supervisor import sign_in_supervisor
from station.context import open_station
from station.errors import UserFacingError
from station.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    op = sub.add_parser("operator", help=_("add, list, unlock or deactivate operators"))
    osub = op.add_subparsers(dest="operator_command", required=True, metavar="ACTION")
    add = osub.add_parser("add", help=_("add an operator (badge and/or PIN)"))
    add.add_argument("name")
    add.add_argument("--role", choices=operators.ROLES, default="technician")
    add.add_argument("--badge", help=_("badge barcode, e.g. OP-1234 (must match scanner.badge_pattern)"))
    add.add_argument("--pin-stdin", action="store_true", help=_("read the PIN from the first line of stdin"))
    add.add_argument("--pin-prompt", action="store_true", help=_("ask for the PIN without echo"))
    add.set_defaults(func=_add)
    osub.add_parser("list", help=_("operators, roles, badges and lockouts")).set_defaults(func=_list)
    for name, help_text in (("unlock", "end a PIN lockout now"), ("deactivate", "stop an operator signing in")):
        p = osub.add_parser(name, help=help_text)
        p.add_argument("name")
        p.add_argument("--supervisor", required=True, help=_("name of the supervisor allowing it"))
        p.add_argument("--pin-stdin", action="store_true",
                       help=_("read the supervisor's PIN from stdin (else STATION_PIN, else a prompt)"))
        p.set_defaults(func=_admin, action=name)


def _add(args: argparse.Namespace) -> int:
    pin = None
    if args.pin_stdin:
        pin = sys.stdin.readline().strip()
        if not pin:
            raise UserFacingError(
                _("No PIN on standard input; pipe it in: printf '1234\\n' | station operator add ...")
            )
    elif args.pin_prompt:
        pin = getpass.getpass("PIN: ")
        if getpass.getpass("PIN again: ") != pin:
            raise UserFacingError(_("The two PINs differ; nothing was saved."))
    ctx = open_station(args.data_dir)
    try:
        info = operators.add(ctx, args.name, args.role, args.badge, pin)
    finally:
        ctx.close()
    how = " and ".join(x for x in (f"badge {info.badge}" if info.badge else "", "PIN" if info.has_pin else "") if x)
    print(_("added {name} ({role}), signs in with {how}").format(name=info.name, role=info.role, how=how))
    return 0


def _list(args: argparse.Namespace) -> int:
    ctx = open_station(args.data_dir)
    try:
        rows = operators.list_operators(ctx)
    finally:
        ctx.close()
    if not rows:
        print(_("no operators yet; add one with 'station operator add NAME --badge OP-1234 --pin-stdin'"))
        return 0
    print(
        _("{value:>4}  {value2:<24} {value3:<11} {value4:<12} {value5:<4} status").format(
            value="id", value2="name", value3="role", value4="badge", value5="pin"
        )
    )
    for r in rows:
        status = "deactivated" if not r.active else (f"locked until {r.locked_until}" if r.locked_until else "active")
        print(f"{r.id:>4}  {r.name:<24} {r.role:<11} {r.badge or '-':<12} {'yes' if r.has_pin else 'no':<4} {status}")
    return 0


def _admin(args: argparse.Namespace) -> int:
    ctx = open_station(args.data_dir)
    try:
        sign_in_supervisor(ctx, args.supervisor, args.pin_stdin, f"'operator {args.action}' needs a supervisor")
        if args.action == "unlock":
            info = admin.unlock_operator(ctx, args.name)
        else:
            info = admin.disable_operator(ctx, args.name)
    finally:
        ctx.close()
    print(f"{info.name}: {'unlocked' if args.action == 'unlock' else 'deactivated'}")
    return 0

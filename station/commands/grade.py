"""`station grade ...`: grading matrices, the active version, and grading from scripts.

    station grade matrices [--json]                   every matrix, which is active per class
    station grade show [--class phone | --id ID --version V]
    station grade check FILE...                       validate matrix files (names file and line)
    station grade activate ID VERSION --as NAME       supervisor: switch the active version (PIN asked)
    station grade record UNIT power=yes glass=light ... [--cosmetic C --functional F --reason R --as NAME]
    station grade history UNIT
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from station.context import StationContext, open_station
from station.errors import UserFacingError
from station.i18n import _

if TYPE_CHECKING:
    from station.grading.matrix import Matrix


def register(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser("grade", help=_("grading matrices and grades"))
    gsub = g.add_subparsers(dest="grade_command", required=True, metavar="ACTION")
    m = gsub.add_parser("matrices", help=_("list grading matrices and the active one per class"))
    m.add_argument("--json", action="store_true", help=_("machine-readable output"))
    m.set_defaults(func=_matrices)
    sh = gsub.add_parser("show", help=_("print a matrix's questions, options and photo set"))
    sh.add_argument("--class", dest="device_class", default="phone", help=_("the active matrix of this class"))
    sh.add_argument("--id", help=_("a matrix id (with --version) instead of the active one"))
    sh.add_argument("--version")
    sh.set_defaults(func=_show)
    c = gsub.add_parser("check", help=_("validate matrix files; exit 0 when all are valid"))
    c.add_argument("files", nargs="+", type=Path)
    c.set_defaults(func=_check)
    a = gsub.add_parser("activate", help=_("supervisor: make ID@VERSION the active matrix of its class"))
    a.add_argument("id")
    a.add_argument("version")
    _sign_in_args(a)
    a.set_defaults(func=_activate)
    r = gsub.add_parser("record", help=_("grade a unit from answers QUESTION=OPTION (Enter-defaults fill the rest; "
                        "a test left unanswered is recorded as not tested)"))
    r.add_argument("unit", help=_("unit id, IMEI or serial"))
    # argparse cannot take positionals after an option once they were matched, so everything after
    # the unit is read again by _RECORD_REST: flags and answers may then come in any order.
    r.add_argument("answers", nargs=argparse.REMAINDER, metavar="QUESTION=OPTION")
    _record_flags(r)
    r.set_defaults(func=_record)
    h = gsub.add_parser("history", help=_("every grade recorded for a unit"))
    h.add_argument("unit")
    h.set_defaults(func=_history)


def _record_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-defaults", action="store_true", help=_("do not fill unanswered questions with defaults"))
    p.add_argument("--cosmetic", help=_("override: final cosmetic grade A-E"))
    p.add_argument("--functional", help=_("override: final functional code FF/NT/FD/NF"))
    p.add_argument("--reason", help=_("override: why (required with --cosmetic/--functional)"))
    _sign_in_args(p)


def _record_rest() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="station grade record UNIT", add_help=False)
    p.add_argument("answers", nargs="*", metavar="QUESTION=OPTION")
    _record_flags(p)
    return p


def _merge_rest(args: argparse.Namespace) -> argparse.Namespace:
    """Flags given after the unit (between or after the answers) join those given before it."""
    rest, unknown = _record_rest().parse_known_intermixed_args(args.answers)
    if unknown:
        raise UserFacingError(
            _("'{value}' is not an option of 'station grade record'; see --help.").format(value=unknown[0])
        )
    merged = vars(args) | {"answers": rest.answers}
    for key, value in vars(rest).items():
        if key != "answers" and value:
            merged[key] = value
    return argparse.Namespace(**merged)


def _sign_in_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="operator", metavar="NAME", help=_("sign in as this operator (PIN asked, or stdin)"))
    p.add_argument("--badge", help=_("sign in with this badge instead"))


def sign_in(ctx: StationContext, args: argparse.Namespace) -> None:
    """Sign in from --badge or --as NAME (PIN from the terminal, or the first line of stdin)."""
    from station import operators

    if getattr(args, "badge", None):
        operators.sign_in_badge(ctx, args.badge)
    elif getattr(args, "operator", None):
        pin = getpass.getpass(f"PIN for {args.operator}: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
        operators.sign_in_pin(ctx, args.operator, pin)


def _matrices(args: argparse.Namespace) -> int:
    from station import grading

    ctx = open_station(args.data_dir)
    try:
        rows = grading.available(ctx)
    finally:
        ctx.close()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": a.matrix.id,
                        "version": a.matrix.version,
                        "class": a.matrix.device_class,
                        "sha256": a.matrix.sha256,
                        "origin": a.origin,
                        "active": a.active,
                        "source": a.matrix.source,
                    }
                    for a in rows
                ],
                indent=2,
            )
        )
        return 0
    for a in rows:
        mark = "*" if a.active else " "
        print(
            f"{mark} {a.matrix.device_class:<8} {a.matrix.ref:<24} {a.matrix.sha256[:12]}  {a.origin:<8} "
            f"{a.matrix.title}"
        )
    print(_("* = active for its class"))
    return 0


def _show(args: argparse.Namespace) -> int:
    from station import grading

    ctx = open_station(args.data_dir)
    try:
        m = grading.find(ctx, args.id, args.version or "") if args.id else grading.active(ctx, args.device_class)
    finally:
        ctx.close()
    print(
        _("{ref}  ({device_class}, sha256 {value})  {title}").format(
            ref=m.ref, device_class=m.device_class, value=m.sha256[:12], title=m.title
        )
    )
    for q in m.questions:
        cond = " when " + ", ".join(f"{k}={'|'.join(sorted(v))}" for k, v in q.when) if q.when else ""
        print(f"\n{q.key}: {q.text} [{q.kind}]{cond}")
        for o in q.options:
            effects = ", ".join(
                x
                for x in (o.cosmetic and f"cosmetic<={o.cosmetic}", o.functional, o.defect and f"defect {o.defect}")
                if x
            )
            default = " (default)" if o.key == q.default else ""
            print(f"  {o.number}  {o.key:<12} {o.label}{default}" + (f"   [{effects}]" if effects else ""))
    optional = _(", optional")
    shots = ", ".join(f"{s.name} ({s.stage}{'' if s.required else optional})" for s in m.shots)
    print("\n" + _("photos: {shots}").format(shots=shots))
    return 0


def _check(args: argparse.Namespace) -> int:
    """Each file alone, then the rule `grade matrices` applies to the folder: one file per id@version,
    among the files given and against the station's matrix folder they are meant for."""
    from station.config import Config
    from station.errors import ConfigError
    from station.grading.library import load_file, matrix_dir, same_ref
    from station.paths import DataDir, resolve_data_dir

    checked: dict[Path, Matrix] = {}
    bad = 0
    for f in args.files:
        try:
            checked[f.resolve()] = load_file(f)
        except ConfigError as exc:
            bad += 1
            print(_("BAD {exc}").format(exc=exc))
    folder = matrix_dir(Config.load(DataDir(resolve_data_dir(args.data_dir)).config_file))
    resident = []
    for path in sorted(folder.glob("*.toml")):
        if path.resolve() not in checked:
            try:
                resident.append(load_file(path))
            except ConfigError:
                continue  # the folder's own faults are reported by checking the folder
    clashes = {id(m): why for m, why in same_ref([*resident, *checked.values()])}
    for m in checked.values():
        if id(m) in clashes:
            bad += 1
            print(_("BAD {value}").format(value=clashes[id(m)]))
        else:
            print(
                _("ok  {source}: {ref}, {value} questions, {value2} shots").format(
                    source=m.source, ref=m.ref, value=len(m.questions), value2=len(m.shots)
                )
            )
    return 2 if bad else 0


def _activate(args: argparse.Namespace) -> int:
    from station import grading

    ctx = open_station(args.data_dir)
    try:
        sign_in(ctx, args)
        m = grading.activate(ctx, args.id, args.version)
    finally:
        ctx.close()
    print(
        _("{ref} is now the active {device_class} matrix (sha256 {value}).").format(
            ref=m.ref, device_class=m.device_class, value=m.sha256[:12]
        )
    )
    return 0


def _answers(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise UserFacingError(_("'{item}' is not QUESTION=OPTION (e.g. glass=light).").format(item=item))
        out[key.strip()] = value.strip()
    return out


def _record(args: argparse.Namespace) -> int:
    from station import grading
    from station.grading.form import GradingForm
    from station.grading.service import unit_for

    args = _merge_rest(args)
    ctx = open_station(args.data_dir)
    try:
        sign_in(ctx, args)
        with ctx.store.reader() as s:
            device_class = unit_for(s, args.unit).device_class
        form = GradingForm(grading.active(ctx, device_class), _answers(args.answers))
        if not args.no_defaults:
            form.goto(form.first_unanswered())
            while not form.at_end and form.accept():
                form.goto(form.first_unanswered())
        override = None
        if args.cosmetic or args.functional:
            override = grading.Override(args.reason or "", args.cosmetic, args.functional)
        r = grading.record(ctx, args.unit, form.effective_answers(), matrix=form.matrix, override=override)
    finally:
        ctx.close()
    print(
        _("{unit}: {grade} (cosmetic {cosmetic}, functional {functional}) with {matrix}").format(
            unit=r.unit_uid, grade=r.sale_grade, cosmetic=r.cosmetic, functional=r.functional, matrix=r.matrix_ref)
        + (_(", overridden from {grade}").format(grade=r.computed.sale_grade) if r.override_reason else "")
    )
    for scheme, fields in r.crosswalks.items():
        print(f"  {scheme}: " + ", ".join(f"{k} {v}" for k, v in fields.items()))
    return 0


def _history(args: argparse.Namespace) -> int:
    from station import grading

    ctx = open_station(args.data_dir)
    try:
        rows = grading.history(ctx, args.unit)
    finally:
        ctx.close()
    if not rows:
        print(_("no grades recorded"))
    for g in rows:
        extra = f"  override of {g.computed_grade}: {g.override_reason}" if g.override_reason else ""
        print(f"{g.created_at}  {g.sale_grade:<4} {g.matrix_id}@{g.matrix_version} ({g.matrix_hash[:12]}){extra}")
    return 0

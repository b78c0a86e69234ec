"""`station plan --facts-from FILE --level clear|purge [--json]`: what a drive supports, before the bench.

Also `station unlock DEVICE`: the recovery of a drive left locked by a failed Security Erase,
with the password the station recorded before it set one.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from station.config import Config
from station.context import open_readonly_path, settings
from station.devices.drive.facts import DriveFacts
from station.devices.drive.parsers import parse_file
from station.erase import plan, profiles
from station.i18n import _, shown


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help=_("plan a Clear/Purge from saved smartctl, hdparm -I or nvme id-ctrl output"))
    p.add_argument("--facts-from", type=Path, action="append", required=True, metavar="FILE",
                   help=_("saved tool output; repeat to combine (e.g. smartctl --json and hdparm -I)"))
    p.add_argument("--level", choices=plan.LEVELS, default="purge")
    p.add_argument("--json", action="store_true", help=_("print facts and plan as JSON"))
    p.set_defaults(func=_plan)
    u = sub.add_parser("unlock", help=_("unlock a drive left locked by a failed erase (recorded ATA password)"))
    u.add_argument("device", help=_("/dev/sdX of the locked drive"))
    u.add_argument("--serial", help=_("the drive's serial, when the drive does not report it while locked"))
    u.set_defaults(func=_unlock)


def load_profiles(config: Config) -> list[profiles.Profile]:
    folder = config["erase.profiles_dir"]
    return profiles.load_all(Path(folder).expanduser() if folder else None)


def _plan(args: argparse.Namespace) -> int:
    config = settings(open_readonly_path(args.data_dir))
    facts = DriveFacts()
    for path in args.facts_from:
        facts = facts.merge(parse_file(path))
    result = plan.plan_for(facts, args.level, load_profiles(config))
    if args.json:
        print(json.dumps({"facts": facts.stated(), "result": result.to_dict()}, indent=1, sort_keys=True))
        return 0
    print(_("Drive facts:"))
    for key, value in facts.stated().items():
        print(f"  {key}: {value}")
    if isinstance(result, plan.Refusal):
        print(_("\n{value}: REFUSED: {reason}").format(value=args.level.capitalize(), reason=shown(result.reason)))
        for alt in result.alternatives:
            print(_("  instead: {alt}").format(alt=shown(alt)))
        return 0
    print(
        _("\nPlan: {method_type} by {technique} ({method}); expected after: {expected_pattern}").format(
            method_type=result.method_type,
            technique=result.technique,
            method=result.method,
            expected_pattern=result.expected_pattern,
        )
    )
    for n, step in enumerate(result.steps, 1):
        print(f"  {n}. {shown(step.summary)}" + (f"  [{shown(step.reason)}]" if step.reason else ""))
    print(_("Why:"))
    for line in result.rationale:
        print(f"  - {shown(line)}")
    print(_("Hidden areas: {hidden_area}").format(hidden_area=shown(result.hidden_area)))
    for w in result.warnings:
        print(_("Warning: {w}").format(w=shown(w)))
    if result.profiles:
        print(_("Profiles: {profiles}").format(profiles=", ".join(result.profiles)))
    return 0


def _unlock(args: argparse.Namespace) -> int:
    from station.devices.drive import discover
    from station.devices.drive.firmware_runner import CommandRunner
    from station.erase import firmware_methods
    from station.errors import UserFacingError

    data = open_readonly_path(args.data_dir)
    serial = args.serial or discover.find(args.device).identity
    password = firmware_methods.recorded_password(data, serial)
    if password is None:
        raise UserFacingError(
            _(
                "This station recorded no erase password for drive {serial}; it was not locked here. Ask whoever set "
                "the password, or use the drive's master password."
            ).format(serial=serial)
        )
    fc = firmware_methods.FirmwareContext(args.device, CommandRunner())
    try:
        firmware_methods.unlock(fc, password)
    except firmware_methods.StepFailed as exc:
        raise UserFacingError(
            _("{device}: {reason}. Power-cycle the drive and try again.").format(device=args.device, reason=exc.reason)
        ) from exc
    print(
        _("{device} ({serial}) is unlocked and its erase password removed.").format(device=args.device, serial=serial)
    )
    return 0

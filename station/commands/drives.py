"""`station drives [--json]`: the drives attached now, each with the guard's verdict."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from station.context import StationContext, open_station
from station.devices.drives import DriveEntry, size_text
from station.erase.drives import guarded_driver
from station.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("drives", help=_("list drives with their wipe eligibility (the guard's verdict)"))
    p.add_argument("--json", action="store_true", help=_("one JSON object per drive, in a list"))
    p.set_defaults(func=_drives)


def entries(ctx: StationContext) -> list[DriveEntry]:
    """The drives this station offers: real ones, or the simulated bays in demo mode."""
    if ctx.demo:
        from station.sim.drives import SimDriveDriver

        return SimDriveDriver(ctx.data.root).entries()
    return guarded_driver(ctx.data.root).entries()


def entry_dict(e: DriveEntry) -> dict[str, object]:
    d = e.drive
    return {
        "path": d.path, "name": d.name, "port": d.port, "identity": d.identity, "simulated": d.simulated,
        "eligible": e.verdict.eligible, "reasons": list(e.verdict.reasons), **asdict(d.facts),
    }


def _drives(args: argparse.Namespace) -> int:
    ctx = open_station(args.data_dir)
    try:
        found = entries(ctx)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([entry_dict(e) for e in found], indent=1))
        return 0
    if not found:
        print(_("No drives found."))
        return 0
    rows = [("PORT", "DEVICE", "MODEL", "SERIAL", "SIZE", "BUS", "STATUS")]
    for e in found:
        d, f = e.drive, e.drive.facts
        status = "eligible" if e.verdict.eligible else "REFUSED: " + e.verdict.shown
        rows.append((d.port or "-", d.path, f.model or "-", f.serial or d.identity, size_text(f.size_bytes),
                     f.bus or "-", status))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1])
    return 0

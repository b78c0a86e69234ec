"""`station phones [--json]`: the phones connected now, with state, identity and pre-checks.

Read-only: nothing is recorded and nothing is sent that changes the phone, except that an
iPhone this station has no pair record for is asked to pair (that is what shows "Trust This
Computer?" on it). A phone that is not ready is listed with the instruction for its state.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from station import units
from station.context import StationContext, open_station
from station.devices.phone.ios import list_iphones
from station.devices.phone.states import instruction
from station.erase.phone.ios_erase import iphone_prechecks
from station.erase.phone.wipe import client_for, inspect
from station.errors import DeviceError
from station.i18n import _, shown


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("phones",
                       help=_("list connected Android phones and iPhones with identity and pre-check results"))
    p.add_argument("--json", action="store_true", help=_("one JSON object per phone, in a list"))
    p.set_defaults(func=_phones)


def _known_unit(ctx: StationContext, imei: str | None, serial: str) -> str | None:
    with ctx.store.reader() as s:
        unit = (units.find(s, "imei", imei) if imei else None) or units.find(s, "serial", serial)
        return unit.uid if unit else None


def phone_rows(ctx: StationContext) -> list[dict[str, Any]]:
    client = client_for(ctx)
    rows = []
    for listed in client.devices():
        row: dict[str, Any] = {"platform": "android", "serial": listed.serial, "state": listed.state,
                               "instruction": instruction(listed.state),
                               "model": listed.model or None, "transport": "tcp" if listed.is_tcp else "usb",
                               "identity": None, "prechecks": None, "unit": None, "error": None}
        if listed.state == "device":
            try:
                found = inspect(ctx, client, listed.serial)
            except DeviceError as exc:
                row["error"] = str(exc)
            else:
                row["identity"] = found.identity.to_dict()
                row["prechecks"] = found.checks.to_dict()
                row["blocked"] = bool(found.checks.blocking)
                row["block_reason"] = found.checks.reason() or None
                row["unit"] = _known_unit(ctx, found.identity.imei, found.identity.serial)
        rows.append(row)
    return rows + iphone_rows(ctx)


def iphone_rows(ctx: StationContext) -> list[dict[str, Any]]:
    """iPhones and iPads beside the Android phones: "serial" is the UDID, the handle usbmuxd knows them by."""
    rows = []
    for listed in list_iphones(ctx.data.root / "pairing"):
        ident = listed.identity
        row: dict[str, Any] = {"platform": "ios", "serial": listed.udid, "state": listed.state,
                               "instruction": listed.instruction, "transport": listed.connection.lower(),
                               "model": ident.marketing_name if ident else None,
                               "identity": ident.to_dict() if ident else None, "prechecks": None, "unit": None,
                               "error": listed.error or None}
        if ident is not None:
            row["unit"] = _known_unit(ctx, ident.imeis[0] if ident.imeis else None, ident.serial)
            checks = iphone_prechecks(listed)
            row["prechecks"] = {"checks": [asdict(c) for c in checks.checks]}
            row["blocked"] = bool(checks.blocking)
            row["block_reason"] = checks.reason() or None
        rows.append(row)
    return rows


def _phones(args: argparse.Namespace) -> int:
    ctx = open_station(args.data_dir)
    try:
        rows = phone_rows(ctx)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print(_("No phones connected. Plug one in with a data cable and switch on USB debugging."))
        return 0
    for row in rows:
        ident = row["identity"]
        if row["platform"] == "ios":
            _print_iphone(row)
            continue
        if ident is None:
            print(f"{row['serial']}  {row['state'].upper()}  {row['model'] or ''}".rstrip())
            print(f"    {row['error'] or row['instruction']}")
            continue
        checks = row["prechecks"]
        print(
            _(
                "{value}  {value2} {value3}  serial {value4}  IMEI {value5}  Android {value6} (patch {value7})  "
                "unit {value9}  battery {value8}%"
            ).format(
                value=row["serial"],
                value2=ident["manufacturer"],
                value3=ident["model"],
                value4=ident["serial"],
                value5=ident["imei"] or "-",
                value6=ident["android_version"],
                value7=ident["security_patch"],
                value8=ident["battery_level"] if ident["battery_level"] is not None else "-",
                value9=row["unit"] or "-",
            )
        )
        print(
            _("    reset = {method_type} (encryption: {encryption})").format(
                method_type=checks["method_type"], encryption=checks["encryption"])
            + ("  " + (_("BLOCKED") if row["blocked"] else _("ready to erase")))
        )
        for c in checks["checks"]:
            if c["outcome"] != "pass":
                print(_check_line(c))
    return 0


def _check_line(c: dict[str, Any]) -> str:
    """One pre-check that did not pass, in the interface language (`--json` keeps the English)."""
    return f"    [{c['outcome']}] {shown(c['title'])}: {shown(c['detail'])} {shown(c['action'])}".rstrip()


def _print_iphone(row: dict[str, Any]) -> None:
    ident = row["identity"]
    if ident is None:
        print(_("{value}  {value2}  iPhone").format(value=row["serial"], value2=row["state"].upper()))
        print(f"    {row['error'] or row['instruction']}")
        return
    capacity = f"{ident['capacity_bytes'] // 1_000_000_000} GB" if ident["capacity_bytes"] else "-"
    print(
        _("{id}  {name} ({product})  serial {serial}  IMEI {imeis}  {capacity}  iOS {ios}  unit {unit}").format(
            id=row["serial"], name=ident["marketing_name"], product=ident["product_type"], serial=ident["serial"],
            imeis=" / ".join(ident["imeis"]) or "-", capacity=capacity, ios=ident["ios_version"],
            unit=row["unit"] or "-") + ("  " + _("BLOCKED") if row["blocked"] else "")
    )
    for c in row["prechecks"]["checks"]:
        if c["outcome"] != "pass":
            print(_check_line(c))

"""Supervisor administration: operators, settings and configuration, every action audited.

The same rules hold for the Supervisor panel and for scripts: a technician is refused
with a sentence, and every change is an `operator.admin` event in the chain.
"""

from __future__ import annotations

from typing import Any

import tomli_w

from station import atomic, events, operators, paths
from station.config import BY_KEY, Config
from station.context import StationContext
from station.errors import UserFacingError
from station.i18n import _
from station.models import Operator as OperatorRow

# Settings a supervisor may change from the panel (others are IT's, in station.toml).
EDITABLE = ("org.name", "org.phone", "org.address", "org.logo", "station.name", "station.location",
            "label.layout", "label.auto_print", "disposition.rules_file", "grading.override_supervisor_only",
            "shift.boundaries", "station.timezone", "station.theme")


def require_supervisor(ctx: StationContext, what: str = "this") -> None:
    op = ctx.operator
    if op is None or not op.is_supervisor:
        raise UserFacingError(_("Only a supervisor can do {what}. Sign in with a supervisor badge and try "
                                "again.").format(what=what))


def add_operator(ctx: StationContext, name: str, role: str, badge: str | None, pin: str | None
                 ) -> operators.OperatorInfo:
    require_supervisor(ctx, "add operators")
    return operators.add(ctx, name, role, badge or None, pin or None)


def disable_operator(ctx: StationContext, name: str) -> operators.OperatorInfo:
    require_supervisor(ctx, "disable operators")
    if ctx.operator and ctx.operator.name == name:
        raise UserFacingError(_("You cannot disable yourself; ask another supervisor."))
    return operators.deactivate(ctx, name)


def unlock_operator(ctx: StationContext, name: str) -> operators.OperatorInfo:
    require_supervisor(ctx, "unlock operators")
    return operators.unlock(ctx, name)


def reset_pin(ctx: StationContext, name: str, pin: str) -> None:
    require_supervisor(ctx, "reset PINs")
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise UserFacingError(_("A PIN is 4 to 12 digits."))
    from sqlalchemy import func, select

    with ctx.store.session() as s:
        row = s.execute(select(OperatorRow).where(func.lower(OperatorRow.name) == name.lower())).scalar_one_or_none()
        if row is None:
            raise UserFacingError(_("There is no operator named '{name}'.").format(name=name))
        row.pin_hash = operators.hash_pin(pin)
        row.failed_attempts, row.locked_until = 0, None
        events.append(s, ctx.actor, "operator.admin", {"action": "reset_pin", "operator_id": row.id,
                                                       "operator": row.name})


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return out


def change_settings(ctx: StationContext, changes: dict[str, Any]) -> Config:
    """Validate, write station.toml atomically (keeping every other setting), apply, and audit."""
    require_supervisor(ctx, "change settings")
    for key in changes:
        if key not in EDITABLE:
            raise UserFacingError(_("'{key}' is set by IT in {config_file}, not from the panel.").format(
                    key=key, config_file=ctx.data.config_file))
    path = ctx.data.config_file
    current = Config.load(path)  # what the file says now, not what this process has cached
    for key, value in changes.items():
        current.set(key, value)
    keep = {k: v for k, v in current.raw_items() if k == "config_version" or v != BY_KEY[k].default}
    text = "# Written by the station's Supervisor panel; edit with care.\n" + tomli_w.dumps(_nest(keep))
    try:
        # 0600: the file may hold the hub token; a readable copy would hand the station's identity to anyone.
        # On a shared bench the station's group (every technician's account) reads it too, nobody else.
        atomic.write_atomic(path, text.encode("utf-8"), paths.private_mode(path.parent))
    except OSError as exc:
        raise UserFacingError(_("Settings could not be saved to {path} ({why}). Ask IT to check the disk.").format(
                path=path, why=atomic.why(exc))) from exc
    for key in changes:
        ctx.config.set(key, current[key])
    with ctx.store.session() as s:
        events.append(s, ctx.actor, "operator.admin", {
            "action": "settings", "changes": {k: ("********" if BY_KEY[k].secret else v) for k, v in changes.items()}})
    return current

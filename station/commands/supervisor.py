"""A supervisor's name and PIN for commands that need one (exports, unlocking, deactivating)."""

from __future__ import annotations

import getpass
import os
import sys

from station import operators
from station.context import StationContext
from station.errors import UserFacingError
from station.i18n import _


def sign_in_supervisor(ctx: StationContext, name: str, pin_stdin: bool, what: str) -> None:
    """Sign `name` in with a PIN from stdin, STATION_PIN or a prompt; refuse a technician, saying `what`."""
    pin = sys.stdin.readline().strip() if pin_stdin else os.environ.get("STATION_PIN") or \
        getpass.getpass(f"PIN for {name}: ")
    op = operators.sign_in_pin(ctx, name, pin)
    if not op.is_supervisor:
        raise UserFacingError(_("{name} is a technician; {what}.").format(name=op.name, what=what))

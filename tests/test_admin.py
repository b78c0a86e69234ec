"""Supervisor administration: role checks, audit events, settings written back safely."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from station import admin, operators
from station.config import Config
from station.context import Operator
from station.errors import UserFacingError
from station.models import Event


def _as(ctx, role: str) -> None:
    info = operators.add(ctx, f"{role}-{len(operators.list_operators(ctx))}", role, pin="4321")
    ctx.operator = Operator(info.id, info.name, role)


def test_a_technician_is_refused_every_admin_action(ctx) -> None:
    _as(ctx, "technician")
    for action in (lambda: admin.add_operator(ctx, "Zed", "technician", None, "1234"),
                   lambda: admin.reset_pin(ctx, "Zed", "1234"),
                   lambda: admin.disable_operator(ctx, "Zed"),
                   lambda: admin.change_settings(ctx, {"org.name": "X"})):
        with pytest.raises(UserFacingError, match="Only a supervisor"):
            action()


def test_supervisor_actions_are_audited(ctx) -> None:
    _as(ctx, "supervisor")
    admin.add_operator(ctx, "Zed", "technician", "OP-555", "1234")
    admin.reset_pin(ctx, "Zed", "5678")
    zed = operators.sign_in_pin(ctx, "Zed", "5678")
    assert zed.name == "Zed"
    _as(ctx, "supervisor")
    admin.disable_operator(ctx, "Zed")
    with pytest.raises(UserFacingError):
        operators.sign_in_pin(ctx, "Zed", "5678")
    with ctx.store.reader() as s:
        zed_actions = [p["action"] for p in (json.loads(x) for x in s.execute(
            select(Event.payload).where(Event.kind == "operator.admin").order_by(Event.seq)).scalars())
            if p.get("operator") == "Zed"]
    assert zed_actions == ["add", "reset_pin", "deactivate"]


def test_settings_are_written_back_and_keep_the_rest_of_the_file(ctx) -> None:
    ctx.data.config_file.write_text('[sync]\ntoken = "s3cret"\n[wipe]\nblock_mib = 16\n')
    _as(ctx, "supervisor")
    admin.change_settings(ctx, {"org.name": "ReCircle GmbH", "label.auto_print": False})
    again = Config.load(ctx.data.config_file)
    assert again["org.name"] == "ReCircle GmbH" and again["label.auto_print"] is False
    assert again["wipe.block_mib"] == 16 and again["sync.token"] == "s3cret"
    assert ctx.config["org.name"] == "ReCircle GmbH"
    with pytest.raises(UserFacingError, match="set by IT"):
        admin.change_settings(ctx, {"sync.token": "x"})
    with ctx.store.reader() as s:
        payload = json.loads(s.execute(select(Event.payload).where(Event.kind == "operator.admin")
                                       .order_by(Event.seq.desc()).limit(1)).scalar_one())
    assert payload["changes"] == {"org.name": "ReCircle GmbH", "label.auto_print": False}

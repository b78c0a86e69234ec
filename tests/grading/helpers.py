"""Small builders shared by the grading, disposition and lots tests."""

from __future__ import annotations

from station import operators, units
from station.context import StationContext
from station.grading.library import SHIPPED_DIR
from station.grading.matrix import load_file

PHONE_VERSION = load_file(SHIPPED_DIR / "phone.toml").version  # the shipped phone matrix's version
PHONE_REF = f"phone@{PHONE_VERSION}"

PHONE_B_PLUS = {"power": "yes", "glass": "light", "display": "perfect", "housing": "flawless", "locks": "none",
                "tests": "passed", "battery": "good", "liquid": "clean"}


def unit(ctx: StationContext, device_class: str = "phone", model: str | None = "Pixel 7", *,
         serial: str | None = None, **fields) -> str:  # type: ignore[no-untyped-def]
    ident = {"serial": serial or f"SN-{device_class}-{model}-{len(fields)}-{id(fields)}"}
    with ctx.store.session() as s:
        return units.create(s, ctx.actor, ident, device_class=device_class, model=model, **fields).uid


def set_fields(ctx: StationContext, uid: str, **fields) -> None:  # type: ignore[no-untyped-def]
    with ctx.store.session() as s:
        units.touch(units.by_uid(s, uid), **fields)


def sign_in(ctx: StationContext, role: str, name: str | None = None) -> None:
    name = name or f"{role.title()} One"
    number = {"supervisor": "OP-9001", "technician": "OP-1001"}[role]
    if not any(o.name == name for o in operators.list_operators(ctx)):
        operators.add(ctx, name, role, badge=number)
    operators.sign_in_badge(ctx, number)

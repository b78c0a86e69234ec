"""Downstream vendors (station/data/vendors.toml): who receives a unit routed to recycle, harvest
parts or the hazardous-battery path, recorded on the route for R2v3 downstream tracking.

Validated on load; every problem is a ConfigError naming the file, the line and what is wrong.
A list the hub pushed (hub documents, kind "vendors") wins over the shipped one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.config import Config
from station.errors import UserFacingError
from station.i18n import _
from station.paths import hub_documents
from station.toml_lines import load_cached, read_document

SHIPPED = Path(__file__).parent / "data" / "vendors.toml"
VENDOR_ROUTES = ("recycle", "harvest_parts", "hazardous_battery")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_VENDOR_KEYS = {"key", "name", "certification", "routes"}


@dataclass(frozen=True)
class Vendor:
    key: str
    name: str
    certification: str
    routes: tuple[str, ...]

    def record(self) -> dict[str, str]:
        return {"key": self.key, "name": self.name, "certification": self.certification}


@dataclass(frozen=True)
class Vendors:
    version: str
    source: str
    vendors: tuple[Vendor, ...]

    def for_route(self, route: str) -> list[Vendor]:
        return [v for v in self.vendors if route in v.routes]

    def choose(self, route: str, key: str | None = None) -> Vendor | None:
        """The vendor for `route`: `key` when given (it must take the route), else the first listed.
        None for a route that needs no downstream vendor."""
        if route not in VENDOR_ROUTES:
            if key:
                raise UserFacingError(_("'{route}' does not hand the unit to a downstream vendor; drop the "
                                        "vendor.").format(route=route))
            return None
        candidates = self.for_route(route)
        if key:
            hit = next((v for v in candidates if v.key == key), None)
            if hit is None:
                known = ", ".join(v.key for v in candidates) or "none"
                raise UserFacingError(_("Vendor '{key}' does not take '{route}' units (vendors for it: "
                                        "{known}).").format(key=key, route=route, known=known))
            return hit
        if not candidates:
            raise UserFacingError(_("No downstream vendor takes '{route}' units in {source}; add one (R2v3 "
                                    "tracks where each unit goes), then route the unit again.").format(
                    route=route, source=self.source))
        return candidates[0]


def parse(text: str, source: str) -> Vendors:
    raw, fail = read_document(text, source, {"version", "vendors"})
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise fail(("version",), "'version' must be non-empty text.")
    out: list[Vendor] = []
    for i, v in enumerate(raw.get("vendors", [])):
        out.append(_vendor(i, v, fail, out))
    return Vendors(version, source, tuple(out))


def _vendor(i: int, raw: Any, fail: Any, seen: list[Vendor]) -> Vendor:
    path: tuple[str | int, ...] = ("vendors", i)
    if not isinstance(raw, dict):
        raise fail(path, "each [[vendors]] entry must be a table.")
    for k in raw:
        if k not in _VENDOR_KEYS:
            raise fail((*path, k), f"unknown key '{k}' in a vendor (allowed: {', '.join(sorted(_VENDOR_KEYS))}).")
    key, name, cert, routes = raw.get("key"), raw.get("name"), raw.get("certification", ""), raw.get("routes")
    if not isinstance(key, str) or not _KEY.match(key):
        raise fail((*path, "key"), "'key' must be lower-case letters, digits and '_'.")
    if any(v.key == key for v in seen):
        raise fail((*path, "key"), f"vendor '{key}' is listed twice.")
    if not isinstance(name, str) or not name.strip() or not isinstance(cert, str):
        raise fail(path, "a vendor needs a name (and certification as text).")
    if not isinstance(routes, list) or not routes or any(r not in VENDOR_ROUTES for r in routes):
        raise fail((*path, "routes"), f"'routes' must list routes from {', '.join(VENDOR_ROUTES)}.")
    return Vendor(key, name.strip(), cert, tuple(routes))


def load(path: Path = SHIPPED) -> Vendors:
    return load_cached(parse, path, "the downstream vendor list cannot be read ({exc}).")


def for_config(config: Config) -> Vendors:
    """The newest list the hub pushed, else the shipped one."""
    pushed = hub_documents(config.path, "vendors")
    files = sorted(pushed.glob("*.toml"), key=lambda p: p.stat().st_mtime) if pushed and pushed.is_dir() else []
    return load(files[-1] if files else SHIPPED)

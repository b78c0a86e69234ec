"""The cost table (station/data/costs.toml): labour rate per role, handling and inspection per
unit, per site. Cost per return (docs/supervisor.md) prices each unit with it when it is finished.

Versioned data like the disposition rules: validated on load, every problem a ConfigError naming
the file, the line and what is wrong. The hub pushes its own table (configuration kind "costs"),
checked at publish and again on the station by this same parser; the newest pushed table wins
over the shipped one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.config import Config
from station.paths import hub_documents
from station.toml_lines import load_cached, read_document

SHIPPED = Path(__file__).parent / "data" / "costs.toml"
ROLES = ("technician", "supervisor")
MAX_AMOUNT = 100_000.0
_SITE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TOP = {"version", "currency", "idle_cap_minutes", "default", "sites"}
_RATES = {"handling", "inspection", "labour"}


@dataclass(frozen=True)
class Rates:
    """One site's figures: per unit handled, per unit inspected, per hour of each role's labour."""

    handling: float
    inspection: float
    labour: dict[str, float]

    def hourly(self, role: str | None) -> float:
        return self.labour.get(role or "technician", self.labour["technician"])


@dataclass(frozen=True)
class CostTable:
    version: str
    currency: str
    idle_cap_minutes: float
    default: Rates
    sites: dict[str, Rates]
    source: str

    def rates(self, site: str | None) -> Rates:
        """A site's figures; a site the table does not list uses the defaults."""
        return self.sites.get((site or "").strip().lower(), self.default)


def parse(text: str, source: str) -> CostTable:
    raw, fail = read_document(text, source, _TOP)
    version, currency = raw.get("version"), raw.get("currency", "")
    if not isinstance(version, str) or not version.strip():
        raise fail(("version",), "'version' must be non-empty text.")
    if not isinstance(currency, str) or (currency and not _CURRENCY.match(currency)):
        raise fail(("currency",), "'currency' must be an ISO 4217 code such as USD or EUR.")
    cap = raw.get("idle_cap_minutes", 15)
    if isinstance(cap, bool) or not isinstance(cap, int | float) or not 1 <= cap <= 480:
        raise fail(("idle_cap_minutes",), "'idle_cap_minutes' must be a number of minutes from 1 to 480.")
    if not isinstance(raw.get("default"), dict):
        raise fail(("default",), "a [default] table with handling, inspection and [default.labour] is needed.")
    default = _rates(raw["default"], ("default",), fail, None)
    sites_raw = raw.get("sites", {})
    if not isinstance(sites_raw, dict):
        raise fail(("sites",), "'sites' must be tables such as [sites.north].")
    sites = {}
    for name, body in sites_raw.items():
        if not _SITE.match(name):
            raise fail(("sites", name), f"site '{name}': use 1-40 of a-z, 0-9, '_' and '-'.")
        if not isinstance(body, dict):
            raise fail(("sites", name), f"site '{name}' must be a table.")
        sites[name] = _rates(body, ("sites", name), fail, default)
    return CostTable(version.strip(), currency, float(cap), default, sites, source)


def _amount(value: Any, path: tuple[str | int, ...], fail: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 <= value <= MAX_AMOUNT:
        raise fail(path, f"'{path[-1]}' must be an amount from 0 to {MAX_AMOUNT:,.0f}.")
    return float(value)


def _rates(raw: dict[str, Any], path: tuple[str, ...], fail: Any, base: Rates | None) -> Rates:
    for k in raw:
        if k not in _RATES:
            raise fail((*path, k), f"unknown key '{k}' (allowed: {', '.join(sorted(_RATES))}).")
    labour_raw = raw.get("labour", {})
    if not isinstance(labour_raw, dict):
        raise fail((*path, "labour"), "'labour' must be a table of hourly rates by role.")
    labour = dict(base.labour) if base else {}
    for role, rate in labour_raw.items():
        if role not in ROLES:
            raise fail((*path, "labour", role), f"'{role}' is not a role; use {', '.join(ROLES)}.")
        labour[role] = _amount(rate, (*path, "labour", role), fail)
    if "technician" not in labour:
        raise fail((*path, "labour"), "the labour rates need at least 'technician' (per hour).")

    def amount(k: str) -> float:
        if k in raw:
            return _amount(raw[k], (*path, k), fail)
        if base is None:
            raise fail(path, f"'{k}' (an amount per unit) is missing.")
        return float(getattr(base, k))

    return Rates(amount("handling"), amount("inspection"), labour)


def load(path: Path = SHIPPED) -> CostTable:
    return load_cached(parse, path, "the cost table cannot be read ({exc}).")


def for_config(config: Config) -> CostTable:
    """The newest table the hub pushed, else the shipped one."""
    pushed = hub_documents(config.path, "costs")
    files = sorted(pushed.glob("*.toml"), key=lambda p: p.stat().st_mtime) if pushed and pushed.is_dir() else []
    return load(files[-1] if files else SHIPPED)

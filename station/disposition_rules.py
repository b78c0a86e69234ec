"""The disposition rules file (station/data/disposition.toml): routes, price table and rules.

Validated on load; every problem is a ConfigError naming the file, the line and what is wrong.
The last rule must have no conditions, so every unit gets exactly one route.
"""

from __future__ import annotations

import fnmatch
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.config import Config
from station.disposition_gates import LOCK_STATUSES
from station.grading.evaluate import FUNCTIONAL_CODES
from station.grading.matrix import CLASSES, COSMETIC, content_hash
from station.paths import hub_documents
from station.toml_lines import load_cached, locate, read_document

SHIPPED = Path(__file__).parent / "data" / "disposition.toml"
ROUTES = ("resell_retail", "wholesale_auction", "refurbish", "harvest_parts", "recycle",
          "return_to_stock", "redeploy_internal", "donate", "return_to_customer", "hazardous_battery", "hold")
# R2v3 Appendix B: these let a unit be reused or leave for reuse, so a data-bearing unit must be
# sanitized first. The data file can add routes to the list, never take one away.
REUSE_ROUTES = frozenset({"resell_retail", "wholesale_auction", "refurbish", "return_to_stock",
                          "redeploy_internal", "donate"})
# Routes added after rules files were first pushed by hubs: a file that does not describe them
# still loads, and they read as described here.
LATER_ROUTES: dict[str, tuple[str, str]] = {
    "return_to_customer": ("Return to customer", "Sent back to the customer who owns it, as it is."),
    "hazardous_battery": ("Hazardous battery: remove the cell, battery vendor",
                          "The swollen cell is removed and recycled through the battery vendor before anything else."),
    "hold": ("Hold", "Set aside on hold until the reason shown is resolved."),
}
WIPE_STATUSES = ("sanitized", "failed", "interrupted", "aborted", "n/a", "none")
_LIST_CONDITIONS: dict[str, tuple[str, ...] | None] = {
    "device_class": CLASSES, "cosmetic": COSMETIC, "functional": tuple(FUNCTIONAL_CODES),
    "sale_grade": None, "wipe_status": WIPE_STATUSES, "model": None,
    "defects": None,  # holds when the unit has any of the listed defect tags
    "locks": LOCK_STATUSES,
}
_RULE_KEYS = {"name", "route", "explanation", "min_value", "max_value", *_LIST_CONDITIONS}
_ROUTE_KEYS = {"label", "recovery_rate", "explanation", "requires_sanitization"}
_TEMPLATE_NAMES = {"grade", "value", "class", "model", "route"}


@dataclass(frozen=True)
class Route:
    key: str
    label: str
    recovery_rate: float
    explanation: str
    requires_sanitization: bool


@dataclass(frozen=True)
class Price:
    device_class: str
    model: str  # glob
    values: dict[str, float]


@dataclass(frozen=True)
class Rule:
    name: str
    route: str
    explanation: str
    conditions: tuple[tuple[str, tuple[str, ...]], ...]
    min_value: float | None
    max_value: float | None
    line: int


@dataclass(frozen=True)
class Rules:
    version: str
    currency: str
    sha256: str
    source: str
    routes: dict[str, Route]
    functional_factor: dict[str, float]
    prices: tuple[Price, ...]
    rules: tuple[Rule, ...]

    def price(self, device_class: str, model: str | None, cosmetic: str | None, functional: str | None
              ) -> float | None:
        """Estimated market value from the price table, or None when ungraded or unpriced."""
        if cosmetic is None or functional is None:
            return None
        for p in self.prices:
            if p.device_class == device_class and fnmatch.fnmatch((model or "").lower(), p.model.lower()):
                return round(p.values[cosmetic] * self.functional_factor[functional], 2)
        return None


def parse(text: str, source: str) -> Rules:
    raw, fail = read_document(text, source, {"version", "currency", "routes", "functional_factor", "prices", "rules"})
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise fail(("version",), "'version' must be non-empty text.")
    routes = _routes(raw.get("routes"), fail)
    factor = raw.get("functional_factor")
    if not isinstance(factor, dict) or set(factor) != set(FUNCTIONAL_CODES) or not all(
            isinstance(v, int | float) and 0 <= v <= 1 for v in factor.values()):
        raise fail(("functional_factor",), f"functional_factor needs {', '.join(FUNCTIONAL_CODES)}, each 0..1.")
    prices = tuple(_price(i, p, fail) for i, p in enumerate(raw.get("prices", [])))
    rules = tuple(_rule(i, r, routes, fail, text) for i, r in enumerate(raw.get("rules", [])))
    if not rules or rules[-1].conditions or rules[-1].min_value is not None or rules[-1].max_value is not None:
        raise fail(("rules", max(len(rules) - 1, 0)), "the last rule must have no conditions (a catch-all), "
                   "so every unit gets a route.")
    return Rules(version, str(raw.get("currency", "")), content_hash(text), source, routes,
                 {k: float(v) for k, v in factor.items()}, prices, rules)


def _routes(raw: Any, fail: Any) -> dict[str, Route]:
    if not isinstance(raw, dict):
        raise fail(("routes",), "[routes.<key>] tables are missing.")
    out: dict[str, Route] = {}
    for key in ROUTES:
        if key not in raw and key not in LATER_ROUTES:
            raise fail(("routes",), f"route '{key}' is not described under [routes.{key}].")
    for key, (later_label, later_text) in LATER_ROUTES.items():
        if key not in raw:
            out[key] = Route(key, later_label, 0.0, later_text, False)
    for key, body in raw.items():
        path: tuple[str | int, ...] = ("routes", key)
        if key not in ROUTES:
            raise fail(path, f"unknown route '{key}' (known: {', '.join(ROUTES)}).")
        if not isinstance(body, dict):
            raise fail(path, f"[routes.{key}] must be a table.")
        for k in body:
            if k not in _ROUTE_KEYS:
                raise fail((*path, k), f"unknown key '{k}' in [routes.{key}].")
        rate = body.get("recovery_rate")
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise fail((*path, "recovery_rate"), "recovery_rate must be a number from 0 to 1.")
        label, explanation = body.get("label"), body.get("explanation")
        if not isinstance(label, str) or not label or not isinstance(explanation, str) or not explanation:
            raise fail(path, f"[routes.{key}] needs a label and an explanation.")
        needs = bool(body.get("requires_sanitization", False)) or key in REUSE_ROUTES
        out[key] = Route(key, label, float(rate), explanation, needs)
    return out


def _price(i: int, raw: Any, fail: Any) -> Price:
    path: tuple[str | int, ...] = ("prices", i)
    if not isinstance(raw, dict):
        raise fail(path, "each [[prices]] entry must be a table.")
    for k in raw:
        if k not in {"device_class", "model", *COSMETIC}:
            raise fail((*path, k), f"unknown key '{k}' in a price (use device_class, model, A..E).")
    if raw.get("device_class") not in CLASSES:
        raise fail((*path, "device_class"), f"device_class must be one of {', '.join(CLASSES)}.")
    values = {}
    for g in COSMETIC:
        v = raw.get(g)
        if not isinstance(v, int | float) or isinstance(v, bool) or v < 0:
            raise fail((*path, g) if g in raw else path, f"price for grade {g} must be a number >= 0.")
        values[g] = float(v)
    model = raw.get("model", "*")
    if not isinstance(model, str) or not model:
        raise fail((*path, "model"), "model must be a glob like \"iPhone 1[3-6]*\" or \"*\".")
    return Price(raw["device_class"], model, values)


def _rule(i: int, raw: Any, routes: dict[str, Route], fail: Any, text: str) -> Rule:
    path: tuple[str | int, ...] = ("rules", i)
    if not isinstance(raw, dict):
        raise fail(path, "each [[rules]] entry must be a table.")
    for k in raw:
        if k not in _RULE_KEYS:
            raise fail((*path, k), f"unknown key '{k}' in a rule (allowed: {', '.join(sorted(_RULE_KEYS))}).")
    route = raw.get("route")
    if not isinstance(route, str) or route not in routes:
        raise fail((*path, "route"), f"route must be one of {', '.join(ROUTES)}, not {route!r}.")
    explanation = raw.get("explanation", routes[route].explanation)
    try:
        names = {n for _, n, _, _ in string.Formatter().parse(str(explanation)) if n is not None}
    except ValueError:  # an unmatched '{' or '}'
        names = {"{"}
    if not isinstance(explanation, str) or names - _TEMPLATE_NAMES:
        raise fail((*path, "explanation"), "explanation must be text using only {grade} {value} {class} {model} "
                   "{route}.")
    conditions = []
    for c, domain in _LIST_CONDITIONS.items():
        if c in raw:
            vals = raw[c]
            if not isinstance(vals, list) or not vals or not all(isinstance(v, str) for v in vals) or (
                    domain is not None and any(v not in domain for v in vals)):
                allowed = f" from {', '.join(domain)}" if domain else ""
                raise fail((*path, c), f"'{c}' must be a list of text values{allowed}.")
            conditions.append((c, tuple(vals)))
    bounds = []
    for b in ("min_value", "max_value"):
        v = raw.get(b)
        if v is not None and (not isinstance(v, int | float) or isinstance(v, bool)):
            raise fail((*path, b), f"'{b}' must be a number.")
        bounds.append(float(v) if v is not None else None)
    return Rule(str(raw.get("name", f"rule {i + 1}")), route, explanation, tuple(conditions), bounds[0], bounds[1],
                locate(text, path))


def load(path: Path = SHIPPED) -> Rules:
    return load_cached(parse, path, "the disposition rules cannot be read ({exc}). Fix disposition.rules_file.")


def for_config(config: Config) -> Rules:
    """A rules file set in settings wins; then the newest rules the hub pushed; then the shipped rules."""
    configured = config["disposition.rules_file"]
    if configured:
        return load(Path(configured).expanduser())
    pushed = hub_documents(config.path, "rules")
    files = sorted(pushed.glob("*.toml"), key=lambda p: p.stat().st_mtime) if pushed and pushed.is_dir() else []
    return load(files[-1] if files else SHIPPED)

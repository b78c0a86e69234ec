"""The hub's value policy (station/data/value_policy.toml): IRI weights and scales, tiers, band moves.

Data, not code: the business changes weights and moves, and a wrong file is refused with its line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.toml_lines import load_cached, read_document
from station.value.bands import Discount
from station.value.lifecycle import Stage

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "value_policy.toml"
ENV_POLICY = "STATION_HUB_VALUE_POLICY"  # the hub service reads this file instead of the shipped one
DIMENSIONS = ("value_held", "days_since_outbound", "market_activity", "price_volatility", "reuse_coverage")
SCALES = ("value_half", "days_half", "share_half", "stage_part", "cv_half", "coverage_half", "unknown_volatility")
UNTAGGED = "untagged"


@dataclass(frozen=True)
class Move:
    shift: float
    widen: float


@dataclass(frozen=True)
class Policy:
    version: str
    source: str
    weights: dict[str, float]
    scales: dict[str, float]
    stage_risk: dict[str, float]
    medium: float
    high: float
    window_days: int
    market_days: int
    min_sales: int
    currency: str
    target_weight: float
    stage_moves: dict[str, Move]
    tier_moves: dict[str, Move]
    discounts: tuple[Discount, ...]

    def tier(self, score: float) -> str:
        return "high" if score >= self.high else "medium" if score >= self.medium else "low"


def parse(text: str, source: str) -> Policy:
    raw, fail = read_document(text, source,
                              {"version", "weights", "scales", "stage_risk", "tiers", "bands", "discounts"})

    def table(path: tuple[str, ...], keys: tuple[str, ...], low: float = 0.0, high: float = 1e9,
              optional: bool = False) -> dict[str, float]:
        t: Any = raw
        for p in path:
            t = t.get(p, {}) if isinstance(t, dict) else None
        if not isinstance(t, dict):
            raise fail(path, f"[{'.'.join(path)}] must be a table.")
        for k in t:
            if k not in keys:
                raise fail((*path, k), f"unknown key '{k}' (allowed: {', '.join(keys)}).")
        out = {}
        for k in keys:
            v = t.get(k, 0.0 if optional else None)
            if isinstance(v, bool) or not isinstance(v, int | float) or not low <= v <= high:
                raise fail((*path, k), f"'{k}' must be a number from {low:g} to {high:g}.")
            out[k] = float(v)
        return out

    if not isinstance(raw.get("version"), str):
        raise fail(("version",), "'version' must be text.")
    weights = table(("weights",), DIMENSIONS, 0.0, 100.0)
    if sum(weights.values()) <= 0:
        raise fail(("weights",), "at least one weight must be above 0.")
    scales = table(("scales",), SCALES, 0.0, 1e9)
    for k in ("value_half", "days_half", "share_half", "cv_half", "coverage_half"):
        if scales[k] <= 0:
            raise fail(("scales", k), f"'{k}' must be above 0.")
    if scales["stage_part"] > 1 or scales["unknown_volatility"] > 1:
        raise fail(("scales",), "'stage_part' and 'unknown_volatility' are shares from 0 to 1.")
    stage_risk = table(("stage_risk",), (*(str(s) for s in Stage), UNTAGGED), 0.0, 1.0)
    tiers = table(("tiers",), ("medium", "high"), 0.0, 100.0)
    if tiers["medium"] > tiers["high"]:
        raise fail(("tiers", "high"), "'high' must not be below 'medium'.")
    b = raw.get("bands", {})
    if not isinstance(b, dict):
        raise fail(("bands",), "[bands] must be a table.")
    nums: dict[str, int] = {}
    for k in ("window_days", "market_days", "min_sales"):
        v = b.get(k)
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 3660:
            raise fail(("bands", k), f"'{k}' must be a whole number from 1.")
        nums[k] = v
    tw = b.get("target_weight", 0.0)
    if isinstance(tw, bool) or not isinstance(tw, int | float) or not 0 <= tw <= 1:
        raise fail(("bands", "target_weight"), "'target_weight' must be a share from 0 to 1.")
    currency = b.get("currency", "USD")

    def moves(kind: str, names: tuple[str, ...]) -> dict[str, Move]:
        found = b.get(kind, {})
        for name in found:
            if name not in names:
                raise fail(("bands", kind, name), f"'{name}' is not one of {', '.join(names)}.")
        return {n: Move(**table(("bands", kind, n), ("shift", "widen"), -0.9, 5.0, True)) for n in found}

    discounts = []
    for i, d in enumerate(raw.get("discounts", [])):
        if not isinstance(d, dict) or not isinstance(d.get("min_units"), int) or d["min_units"] < 2 \
                or not isinstance(d.get("percent"), int | float) or not 0 <= d["percent"] < 100:
            raise fail(("discounts", i), "a discount needs min_units (2 or more) and percent (0 to 100).")
        discounts.append(Discount(d["min_units"], float(d["percent"])))
    return Policy(raw["version"], source, weights, scales, stage_risk, tiers["medium"], tiers["high"],
                  nums["window_days"], nums["market_days"], nums["min_sales"], str(currency), float(tw),
                  moves("stage", tuple(str(s) for s in Stage)), moves("tier", ("low", "medium", "high")),
                  tuple(sorted(discounts, key=lambda d: d.min_units)))


def load(path: Path | None = None) -> Policy:
    """The policy at `path`, else the file $STATION_HUB_VALUE_POLICY names, else the shipped one."""
    chosen = path or (Path(os.environ[ENV_POLICY]) if os.environ.get(ENV_POLICY) else SHIPPED)
    return load_cached(parse, chosen, "the hub's value policy cannot be read ({exc}).")

"""Floating price bands (seed 004): per model x grade x channel, what units really sold for.

The hub computes them from the last `window_days` of recorded sale outcomes (p25, median, p75),
moves and widens them by lifecycle stage and Inventory Risk tier as its policy says, and publishes
them as one configuration document (kind "bands", name "prices"). A combination with fewer than
`min_sales` sales has no band: the station then uses its static price table. Lot discounts by size
travel in the same document.

    version = "2026-12-07T16:00:00Z"
    currency = "USD"
    window_days = 365
    min_sales = 5
    [[discounts]]            # tiered by lot size: the largest min_units a lot reaches applies
    min_units = 10
    percent = 3.0
    [[bands]]
    make = "Apple"
    model = "iPhone 13"
    capacity = "128GB"       # may be empty
    grade = "B"              # the sale grade the unit was sold at
    channel = "wholesale_auction"
    sales = 42
    p25 = 300.0              # the band to use: observed, then moved by stage and tier
    median = 340.0
    p75 = 365.0
    observed_p25 = 310.0     # the sales themselves
    observed_median = 350.0
    observed_p75 = 372.0
    stage = "eol"            # optional: lifecycle stage applied
    tier = "high"            # optional: IRI tier applied
    target = 320.0           # optional: median buyer target per unit on lots of this model and grade
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import tomli_w

from station.errors import ConfigError
from station.toml_lines import load_cached, locate, toml_error
from station.value import sku as skus
from station.value.lifecycle import Stage

KIND, NAME = "bands", "prices"
CHANNEL_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
TIERS = ("low", "medium", "high")
_CHANNEL = re.compile(CHANNEL_PATTERN)
_TOP = {"version", "currency", "window_days", "min_sales", "discounts", "bands"}
_BAND = {"make", "model", "capacity", "grade", "channel", "sales", "p25", "median", "p75", "observed_p25",
         "observed_median", "observed_p75", "stage", "tier", "target"}
_PRICES = ("p25", "median", "p75", "observed_p25", "observed_median", "observed_p75")


@dataclass(frozen=True)
class Band:
    make: str
    model: str
    capacity: str
    grade: str
    channel: str
    sales: int
    p25: float
    median: float
    p75: float
    observed_p25: float
    observed_median: float
    observed_p75: float
    stage: Stage | None = None
    tier: str | None = None
    target: float | None = None

    @property
    def key(self) -> str:
        return skus.key(self.make, self.model, self.capacity)

    @property
    def sku(self) -> skus.Sku:
        return skus.Sku(self.make, self.model, self.capacity)


@dataclass(frozen=True)
class Discount:
    min_units: int
    percent: float


@dataclass(frozen=True)
class Bands:
    version: str
    source: str
    currency: str
    window_days: int
    min_sales: int
    discounts: tuple[Discount, ...]
    bands: tuple[Band, ...]

    def find(self, make: str | None, model: str | None, capacity: str | None, grade: str | None,
             channel: str | None = None) -> Band | None:
        """The band of this SKU and grade on `channel` (any channel: the one with most sales), or None."""
        hits = self._by_sku.get((skus.key(make, model, capacity), (grade or "").strip()), [])
        return max((b for b in hits if channel is None or b.channel == channel), key=lambda b: (b.sales, b.channel),
                   default=None)

    @cached_property
    def _by_sku(self) -> dict[tuple[str, str], list[Band]]:
        index: dict[tuple[str, str], list[Band]] = {}
        for b in self.bands:
            index.setdefault((b.key, b.grade), []).append(b)
        return index

    def discount_for(self, units: int) -> float:
        """Percent off for a lot of `units`: the largest tier it reaches (0 below the first)."""
        return max((d.percent for d in self.discounts if units >= d.min_units), default=0.0)


EMPTY = Bands("0", "(no price bands)", "USD", 365, 1, (), ())


def _number(raw: dict[str, Any], k: str, fail: Any, path: tuple[str | int, ...]) -> float:
    v = raw.get(k)
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < 1e9:
        raise fail((*path, k), f"'{k}' must be a number from 0.")
    return float(v)


def _whole(raw: dict[str, Any], k: str, fail: Any, path: tuple[str | int, ...], low: int = 1) -> int:
    v = raw.get(k)
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= 10**9:
        raise fail((*path, k), f"'{k}' must be a whole number from {low}.")
    return v


def _band(raw: Any, fail: Any, path: tuple[str | int, ...], min_sales: int) -> Band:
    if not isinstance(raw, dict):
        raise fail(path, "each [[bands]] entry must be a table.")
    for k in raw:
        if k not in _BAND:
            raise fail((*path, k), f"unknown key '{k}' in a band (allowed: {', '.join(sorted(_BAND))}).")
    texts = {}
    for k in ("make", "model", "capacity", "grade", "channel"):
        v = raw.get(k, "")
        if not isinstance(v, str) or len(v) > skus.MAX_PART or (k != "capacity" and not v.strip()):
            raise fail((*path, k), f"'{k}' must be {'' if k == 'capacity' else 'non-empty '}text.")
        texts[k] = v.strip()
    if not _CHANNEL.match(texts["channel"]):
        raise fail((*path, "channel"), "'channel' must be lower-case letters, digits, '_' and '-'.")
    prices = {k: _number(raw, k, fail, path) for k in _PRICES}
    for lo, mid, hi in (("p25", "median", "p75"), ("observed_p25", "observed_median", "observed_p75")):
        if not prices[lo] <= prices[mid] <= prices[hi]:
            raise fail((*path, mid), f"'{lo}' <= '{mid}' <= '{hi}' must hold.")
    sales = _whole(raw, "sales", fail, path)
    if sales < min_sales:
        raise fail((*path, "sales"), f"a band needs at least min_sales = {min_sales} sales.")
    stage = raw.get("stage")
    if stage is not None and stage not in list(Stage):
        raise fail((*path, "stage"), f"'stage' must be one of {', '.join(Stage)}.")
    tier = raw.get("tier")
    if tier is not None and tier not in TIERS:
        raise fail((*path, "tier"), f"'tier' must be one of {', '.join(TIERS)}.")
    target = _number(raw, "target", fail, path) if "target" in raw else None
    return Band(texts["make"], texts["model"], texts["capacity"], texts["grade"], texts["channel"], sales,
                prices["p25"], prices["median"], prices["p75"], prices["observed_p25"], prices["observed_median"],
                prices["observed_p75"], stage=Stage(stage) if stage else None, tier=tier, target=target)


def parse(text: str, source: str) -> Bands:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(source, exc) from exc

    def fail(path: tuple[str | int, ...], problem: str) -> ConfigError:
        return ConfigError(f"{source}, line {locate(text, path)}: {problem}")

    for k in raw:
        if k not in _TOP:
            raise fail((k,), f"unknown key '{k}' (allowed: {', '.join(sorted(_TOP))}).")
    version, currency = raw.get("version"), raw.get("currency", "USD")
    if not isinstance(version, str) or not version.strip():
        raise fail(("version",), "'version' must be non-empty text.")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise fail(("currency",), "'currency' must be a three-letter code such as USD.")
    window, min_sales = _whole(raw, "window_days", fail, ()), _whole(raw, "min_sales", fail, ())
    discounts = []
    for i, d in enumerate(raw.get("discounts", [])):
        if not isinstance(d, dict) or set(d) != {"min_units", "percent"}:
            raise fail(("discounts", i), "each [[discounts]] entry has exactly min_units and percent.")
        pct = _number(d, "percent", fail, ("discounts", i))
        if pct >= 100:
            raise fail(("discounts", i, "percent"), "'percent' must be below 100.")
        discounts.append(Discount(_whole(d, "min_units", fail, ("discounts", i), 2), pct))
    bands: dict[tuple[str, str, str], Band] = {}
    for i, b in enumerate(raw.get("bands", [])):
        band = _band(b, fail, ("bands", i), min_sales)
        if (band.key, band.grade, band.channel) in bands:
            raise fail(("bands", i), f"{band.sku} grade {band.grade} on {band.channel} has two bands.")
        bands[(band.key, band.grade, band.channel)] = band
    return Bands(version.strip(), source, currency, window, min_sales,
                 tuple(sorted(discounts, key=lambda d: d.min_units)), tuple(bands.values()))


def dump(doc: Bands) -> str:
    """The document as TOML text that `parse` reads back to the same bands."""
    rows = []
    for b in doc.bands:
        row: dict[str, Any] = {"make": b.make, "model": b.model, "capacity": b.capacity, "grade": b.grade,
                               "channel": b.channel, "sales": b.sales}
        row.update({k: round(getattr(b, k), 2) for k in _PRICES})
        extra = (("stage", str(b.stage) if b.stage else None), ("tier", b.tier),
                 ("target", round(b.target, 2) if b.target is not None else None))
        row.update({k: v for k, v in extra if v is not None})
        rows.append(row)
    body = {"version": doc.version, "currency": doc.currency, "window_days": doc.window_days,
            "min_sales": doc.min_sales, "discounts": [{"min_units": d.min_units, "percent": d.percent}
                                                      for d in doc.discounts], "bands": rows}
    return "# Price bands computed by the hub from recorded sales (station/value/bands.py).\n" + tomli_w.dumps(body)


def load(path: Path) -> Bands:
    return load_cached(parse, path, "the price bands cannot be read ({exc}).")


def pushed(folder: Path | None) -> Bands:
    """The bands the hub pushed into `folder` (paths.hub_documents(config_file, KIND)), else none."""
    path = folder / f"{NAME}.toml" if folder is not None else None
    return load(path) if path is not None and path.is_file() else EMPTY

"""Floating price bands (seed 004): per model x grade x channel, what units really sold for.

The hub computes them from the last `window_days` of recorded sale outcomes (p25, median, p75),
moves and widens them by lifecycle stage and Inventory Risk tier as its policy says, and publishes
them as one configuration document (kind "bands", name "prices"). A combination with fewer than
`min_sales` sales has no band: the station then uses its static price table. Lot discounts by size
travel in the same document. JSON, not TOML: thousands of models make tens of thousands of bands,
which a station must read in well under a second. One band per line, grouped by model:

    {"version": "2026-12-07-3f2a9c01d4", "currency": "USD", "window_days": 365, "min_sales": 5,
     "discounts": [{"min_units": 10, "percent": 3.0}],
     "columns": ["grade", "channel", "sales", "p25", "median", "p75",
                 "observed_p25", "observed_median", "observed_p75", "target"],
     "models": [
      {"make": "Apple", "model": "iPhone 13", "capacity": "128GB", "stage": "eol", "tier": "high", "bands": [
       ["B", "wholesale_auction", 42, 300.0, 340.0, 365.0, 310.0, 350.0, 372.0, 320.0]]}]}

p25/median/p75 are the band to use (observed, then moved by stage and tier); observed_* are the sales
themselves; target is the median buyer target per unit on lots of that model and grade, or null.
stage and tier (the lifecycle stage and IRI tier applied) may be null.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from station.errors import ConfigError
from station.toml_lines import load_cached
from station.value import sku as skus
from station.value.lifecycle import Stage

KIND, NAME, SUFFIX = "bands", "prices", ".json"
CHANNEL_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
TIERS = ("low", "medium", "high")
_CHANNEL = re.compile(CHANNEL_PATTERN)
_TOP = {"version", "currency", "window_days", "min_sales", "discounts", "columns", "models"}


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


COLUMNS = ("grade", "channel", "sales", "p25", "median", "p75", "observed_p25", "observed_median", "observed_p75",
           "target")
MAX_BYTES = 32 * 1024 * 1024  # about 400,000 bands


def _money(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v < 1e9


def _whole(v: Any, low: int = 1) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and low <= v <= 10**9


def _text(v: Any, empty: bool = False) -> bool:
    return isinstance(v, str) and len(v) <= skus.MAX_PART and (empty or bool(v.strip()))


def _model(i: int, m: Any, fail: Any, min_sales: int) -> list[Band]:
    where = f"model {i + 1}"
    if not isinstance(m, dict) or set(m) - {"make", "model", "capacity", "stage", "tier", "bands"}:
        raise fail(f"{where}: needs make, model, capacity, stage, tier and bands, and nothing else.")
    if not (_text(m.get("make")) and _text(m.get("model")) and _text(m.get("capacity", ""), True)):
        raise fail(f"{where}: make and model must be non-empty text, capacity text.")
    where = f"model {i + 1} ({m['make']} {m['model']} {m.get('capacity', '')})".replace(" )", ")")
    stage, tier = m.get("stage"), m.get("tier")
    if stage is not None and stage not in list(Stage):
        raise fail(f"{where}: stage must be one of {', '.join(Stage)}, or null.")
    if tier is not None and tier not in TIERS:
        raise fail(f"{where}: tier must be one of {', '.join(TIERS)}, or null.")
    rows = m.get("bands")
    if not isinstance(rows, list):
        raise fail(f"{where}: bands must be a list.")
    out = []
    for n, row in enumerate(rows, 1):
        at = f"{where}, band {n}"
        if not isinstance(row, list) or len(row) != len(COLUMNS):
            raise fail(f"{at}: a band is a list of {len(COLUMNS)} values ({', '.join(COLUMNS)}).")
        grade, channel, sales, *prices = row
        target = prices.pop()
        if not _text(grade) or len(grade) > 12:
            raise fail(f"{at}: grade must be non-empty text of at most 12 characters.")
        if not isinstance(channel, str) or not _CHANNEL.match(channel):
            raise fail(f"{at}: channel must be lower-case letters, digits, '_' and '-'.")
        if not _whole(sales) or sales < min_sales:
            raise fail(f"{at}: a band needs a whole number of at least min_sales = {min_sales} sales.")
        if not all(_money(p) for p in prices) or (target is not None and not _money(target)):
            raise fail(f"{at}: prices must be numbers from 0 (target may be null).")
        if not (prices[0] <= prices[1] <= prices[2] and prices[3] <= prices[4] <= prices[5]):
            raise fail(f"{at}: p25 <= median <= p75 must hold, for the band and the observed sales.")
        out.append(Band(m["make"].strip(), m["model"].strip(), m.get("capacity", "").strip(), grade.strip(), channel,
                        sales, float(prices[0]), float(prices[1]), float(prices[2]), float(prices[3]),
                        float(prices[4]), float(prices[5]), stage=Stage(stage) if stage else None, tier=tier,
                        target=float(target) if target is not None else None))
    return out


def parse(text: str, source: str) -> Bands:
    def fail(problem: str) -> ConfigError:
        return ConfigError(f"{source}: {problem}")

    if len(text) > MAX_BYTES:
        raise fail(f"larger than {MAX_BYTES} bytes.")
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise fail(f"not valid JSON ({exc}).") from exc
    if not isinstance(raw, dict) or set(raw) - _TOP:
        raise fail(f"must be an object with only: {', '.join(sorted(_TOP))}.")
    version, currency = raw.get("version"), raw.get("currency", "USD")
    if not isinstance(version, str) or not version.strip():
        raise fail("'version' must be non-empty text.")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise fail("'currency' must be a three-letter code such as USD.")
    window, min_sales = raw.get("window_days"), raw.get("min_sales")
    if not isinstance(window, int) or not isinstance(min_sales, int) or not _whole(window) or not _whole(min_sales):
        raise fail("'window_days' and 'min_sales' must be whole numbers from 1.")
    if raw.get("columns", list(COLUMNS)) != list(COLUMNS):
        raise fail(f"'columns' must be {list(COLUMNS)}: this station reads bands in that order.")
    discounts = []
    for i, d in enumerate(raw.get("discounts", []), 1):
        if not isinstance(d, dict) or set(d) != {"min_units", "percent"} or not _whole(d["min_units"], 2) \
                or not _money(d["percent"]) or d["percent"] >= 100:
            raise fail(f"discount {i}: needs min_units (2 or more) and percent (0 to below 100), and nothing else.")
        discounts.append(Discount(d["min_units"], float(d["percent"])))
    models = raw.get("models", [])
    if not isinstance(models, list):
        raise fail("'models' must be a list.")
    found: dict[tuple[str, str, str], Band] = {}
    for i, m in enumerate(models):
        for band in _model(i, m, fail, min_sales):
            if (band.key, band.grade, band.channel) in found:
                raise fail(f"{band.sku} grade {band.grade} on {band.channel} has two bands.")
            found[(band.key, band.grade, band.channel)] = band
    return Bands(version.strip(), source, currency, window, min_sales,
                 tuple(sorted(discounts, key=lambda d: d.min_units)), tuple(found.values()))


def dump(doc: Bands) -> str:
    """The document as JSON that `parse` reads back to the same bands: one band per line, by model."""
    models: dict[str, tuple[Band, list[str]]] = {}
    for b in doc.bands:
        row = [b.grade, b.channel, b.sales, *(round(getattr(b, k), 2) for k in COLUMNS[3:9]),
               round(b.target, 2) if b.target is not None else None]
        models.setdefault(b.key, (b, []))[1].append(json.dumps(row, ensure_ascii=False))
    head = {"version": doc.version, "currency": doc.currency, "window_days": doc.window_days,
            "min_sales": doc.min_sales, "discounts": [{"min_units": d.min_units, "percent": d.percent}
                                                      for d in doc.discounts], "columns": list(COLUMNS)}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "models": [']
    for n, (first, rows) in enumerate(models.values()):
        m = {"make": first.make, "model": first.model, "capacity": first.capacity,
             "stage": str(first.stage) if first.stage else None, "tier": first.tier}
        lines.append((", " if n else " ") + json.dumps(m, ensure_ascii=False)[:-1] + ', "bands": [')
        lines.append("  " + ",\n  ".join(rows) + "]}")
    lines.append("]}")
    return "\n".join(lines) + "\n"


def load(path: Path) -> Bands:
    return load_cached(parse, path, "the price bands cannot be read ({exc}).")


def pushed(folder: Path | None) -> Bands:
    """The bands the hub pushed into `folder` (paths.hub_documents(config_file, KIND)), else none."""
    path = folder / f"{NAME}{SUFFIX}" if folder is not None else None
    return load(path) if path is not None and path.is_file() else EMPTY

"""Inventory Risk Index (seed 004) per model and per lot, from the five dimensions, weighted by policy.

Each dimension is a risk from 0 to 1 on a saturating scale (the policy's `half` is where it is 0.5):
  value held            units on hand x expected value (route.assigned)
  days since outbound   since the model last sold or completed a route (outcomes); never: since its
                        oldest unit on hand arrived
  market activity       1 - liquidity from its share of outbound units over `market_days`, blended
                        with its lifecycle stage's risk (Pre-EOL and later are high)
  price volatility      coefficient of variation of sale prices per grade and channel over `window_days`,
                        weighted by sales
  reuse and coverage    distinct buyers + distinct channels over `window_days`: few means high risk
The index is 100 x the weighted mean; each dimension's contribution is its share of that sum. A lot
takes its own value held and the value-weighted mean of its models' other four risks. Only models
and lots with units on hand are ranked. `record_tiers` keeps the last tier of each and turns a change
into a hub incident (kind 'iri_tier').
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, tuple_
from sqlalchemy.orm import Session

from station.sync.hub.models import HubIncident
from station.sync.hub.value_models import HubRiskTier
from station.sync.hub.value_policy import DIMENSIONS, UNTAGGED, Policy
from station.value.lifecycle import Lifecycle

# One pass over the sales in index order (migration 0013: sku_key, grade, channel, amount, with what is
# read here included): the groups arrive one after the other, each group's amounts already in order for
# percentile_cont, and nothing is read from the table. Sorting every sale of the window by the group key
# instead (what an ordered-set aggregate in GROUP BY asks for without the index) was most of a
# recomputation; collecting each group's amounts in an array by hash and sorting them per group cost
# twice this pass. Sorts are turned off for this one query so the plan stays the index's on a small hub.
_GROUPS = """
SELECT sku_key, min(make), min(model), min(capacity), grade, channel, count(*),
       stddev_pop(amount) / nullif(avg(amount), 0),
       percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY amount)
FROM outcomes WHERE outcome = 'sold' AND amount IS NOT NULL AND at >= :since AND at < :now
GROUP BY sku_key, grade, channel"""
INDEX_ORDER = "SET LOCAL enable_sort = off"


@dataclass(frozen=True)
class SaleGroup:
    """The sales of one SKU x grade x channel in the window: the volatility and the bands both read them."""

    sku_key: str
    make: str | None
    model: str | None
    capacity: str | None
    grade: str | None
    channel: str | None
    sales: int
    cv: float | None
    p25: float
    median: float
    p75: float


def sale_groups(s: Session, policy: Policy, now: datetime) -> list[SaleGroup]:
    """One ordered pass over the window's sales: count, variation and percentile_cont p25/median/p75 per group."""
    s.execute(text(INDEX_ORDER))
    try:
        rows = s.execute(text(_GROUPS), {"since": now - timedelta(days=policy.window_days), "now": now}).all()
    finally:
        s.execute(text("RESET enable_sort"))
    return [SaleGroup(k, make, model, cap, grade, channel, n, float(cv) if cv is not None else None, *q)
            for k, make, model, cap, grade, channel, n, cv, q in rows]

HUB = "hub"  # the incidents' station for alerts the hub raises itself
OUTBOUND = ("sold", "completed")


@dataclass
class Risk:
    scope: str  # model | lot
    ref: str  # sku key, or station:lot
    label: str
    units: int
    value_held: float
    days_since_outbound: float
    share: float  # of outbound units over market_days
    stage: str
    cv: float | None
    buyers: int
    channels: int
    risks: dict[str, float] = field(default_factory=dict)
    contributions: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    tier: str = "low"

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()} | {
            "risks": {k: round(v, 4) for k, v in self.risks.items()},
            "contributions": {k: round(v, 2) for k, v in self.contributions.items()}}


def _rising(x: float, half: float) -> float:
    return x / (x + half) if x > 0 else 0.0


def _falling(x: float, half: float) -> float:
    return half / (max(x, 0.0) + half)


def _score(r: Risk, p: Policy) -> None:
    total = sum(p.weights.values())
    r.contributions = {d: 100.0 * p.weights[d] * r.risks[d] / total for d in DIMENSIONS}
    r.score = sum(r.contributions.values())
    r.tier = p.tier(r.score)


_ON_HAND = """
SELECT sku_key, min(make), min(model), min(capacity), count(*), coalesce(sum(expected_value), 0), min(seen_at)
FROM value_units WHERE out_at IS NULL AND route IS NOT NULL AND model IS NOT NULL AND seen_at < :now
GROUP BY sku_key"""
# What moved out, per model, buyer and channel in one hash aggregate over the outcomes: the last and
# recent outbound (sold or completed) and whether the pair bought in the window. Per model, the buyers
# and channels are then counted from these few rows: one scan for two dimensions, and no count(DISTINCT),
# which sorts every row.
_MOVEMENT = """
SELECT sku_key, buyer, channel, max(at) FILTER (WHERE outcome IN ('sold', 'completed')),
       count(*) FILTER (WHERE outcome IN ('sold', 'completed') AND at >= :market_since),
       bool_or(outcome = 'sold' AND at >= :since)
FROM outcomes WHERE at < :now GROUP BY sku_key, buyer, channel"""
_LOTS = """
SELECT station_id, lot, sku_key, count(*), coalesce(sum(expected_value), 0) FROM value_units
WHERE out_at IS NULL AND route IS NOT NULL AND lot IS NOT NULL AND seen_at < :now GROUP BY station_id, lot, sku_key"""


def volatility(groups: list[SaleGroup]) -> dict[str, float]:
    """Per SKU: the coefficient of variation of each grade x channel with two sales or more, weighted by sales."""
    sums: dict[str, tuple[float, int]] = {}
    for g in groups:
        if g.sales >= 2 and g.cv is not None:
            total, n = sums.get(g.sku_key, (0.0, 0))
            sums[g.sku_key] = (total + g.cv * g.sales, n + g.sales)
    return {k: total / n for k, (total, n) in sums.items()}


def models(s: Session, policy: Policy, tags: Lifecycle, now: datetime, groups: list[SaleGroup]) -> list[Risk]:
    """Every model with units on hand, highest index first; `groups` are the window's sales (sale_groups)."""
    params = {"now": now, "since": now - timedelta(days=policy.window_days),
              "market_since": now - timedelta(days=policy.market_days)}
    last_out: dict[str, datetime] = {}
    recent: dict[str, int] = {}
    buyers_of: dict[str, set[str]] = {}
    channels_of: dict[str, set[str]] = {}
    for k, buyer, channel, last, n, bought in s.execute(text(_MOVEMENT), params):
        if last is not None and (k not in last_out or last > last_out[k]):
            last_out[k] = last
        recent[k] = recent.get(k, 0) + n
        if bought:
            if buyer is not None:
                buyers_of.setdefault(k, set()).add(buyer)
            if channel is not None:
                channels_of.setdefault(k, set()).add(channel)
    coverage = {k: (len(buyers_of.get(k, ())), len(channels_of.get(k, ()))) for k in {*buyers_of, *channels_of}}
    outbound_total = sum(recent.values())
    cvs = volatility(groups)
    sc, out = policy.scales, []
    for key, make, model, capacity, units, value, oldest in s.execute(text(_ON_HAND), {"now": now}):
        since = last_out.get(key) or oldest
        tag = tags.tag_for(make, model, capacity)
        stage = str(tag.stage) if tag else UNTAGGED
        share = recent.get(key, 0) / outbound_total if outbound_total else 0.0
        cv = cvs.get(key)
        buyers, channels = coverage.get(key, (0, 0))
        label = " ".join(p for p in (make, model, capacity) if p) or key
        r = Risk("model", key, label, units, float(value), max(0.0, (now - since).total_seconds() / 86400), share,
                 stage, cv, buyers, channels)
        liquidity = _falling(share, sc["share_half"])
        r.risks = {
            "value_held": _rising(r.value_held, sc["value_half"]),
            "days_since_outbound": _rising(r.days_since_outbound, sc["days_half"]),
            "market_activity": (1 - sc["stage_part"]) * liquidity + sc["stage_part"] * policy.stage_risk[stage],
            "price_volatility": _rising(cv, sc["cv_half"]) if cv is not None else sc["unknown_volatility"],
            "reuse_coverage": _falling(buyers + channels, sc["coverage_half"]),
        }
        _score(r, policy)
        out.append(r)
    return sorted(out, key=lambda r: (-r.score, r.ref))


def lots(s: Session, policy: Policy, by_model: list[Risk], now: datetime) -> list[Risk]:
    """Every lot with units on hand: its own value held, its models' other risks weighted by value."""
    models_ = {r.ref: r for r in by_model}
    grouped: dict[tuple[str, str], list[tuple[Risk, int, float]]] = {}
    for station, lot, key, units, value in s.execute(text(_LOTS), {"now": now}):
        if key in models_:
            grouped.setdefault((station, lot), []).append((models_[key], units, float(value)))
    out = []
    for (station, lot), parts in grouped.items():
        value = sum(v for _m, _u, v in parts)
        weight = [(m, v if value > 0 else float(u)) for m, u, v in parts]
        total = sum(w for _m, w in weight) or 1.0
        r = Risk("lot", f"{station}:{lot}", f"{lot} ({station})", sum(u for _m, u, _v in parts), value,
                 max(m.days_since_outbound for m, _u, _v in parts), sum(m.share for m, _w in weight) / len(weight),
                 "/".join(sorted({m.stage for m, _u, _v in parts})), None,
                 max(m.buyers for m, _u, _v in parts), max(m.channels for m, _u, _v in parts))
        r.risks = {d: sum(m.risks[d] * w for m, w in weight) / total for d in DIMENSIONS}
        r.risks["value_held"] = _rising(value, policy.scales["value_half"])
        _score(r, policy)
        out.append(r)
    return sorted(out, key=lambda r: (-r.score, r.ref))


_KEEP_TIERS = """
INSERT INTO risk_tiers (scope, ref, tier, score, at)
SELECT scope, ref, tier, score, CAST(:at AS timestamptz)
FROM unnest(CAST(:scopes AS text[]), CAST(:refs AS text[]), CAST(:tiers AS text[]), CAST(:scores AS float8[]))
     AS t(scope, ref, tier, score)
ON CONFLICT (scope, ref) DO UPDATE SET tier = excluded.tier, score = excluded.score, at = excluded.at"""


def record_tiers(s: Session, risks: list[Risk], now: datetime) -> list[str]:
    """Keep each model's and lot's tier; a tier that changed is an incident. Returns the alerts' sentences."""
    held = {(scope, ref): tier for scope, ref, tier in
            s.execute(select(HubRiskTier.scope, HubRiskTier.ref, HubRiskTier.tier))}
    alerts = []
    for r in risks:
        before = held.pop((r.scope, r.ref), None)
        if before is not None and before != r.tier:
            sentence = (f"Inventory risk of {r.scope} {r.label} went from {before} to {r.tier} "
                        f"(index {r.score:.1f}).")
            alerts.append(sentence)
            s.add(HubIncident(station_id=HUB, kind="iri_tier", seq=0, detail=sentence, at=now))
    if risks:  # one statement for every row: thousands of models and lots each recomputation
        s.execute(text(_KEEP_TIERS), {"scopes": [r.scope for r in risks], "refs": [r.ref for r in risks],
                                      "tiers": [r.tier for r in risks], "scores": [r.score for r in risks], "at": now})
    if held:  # nothing on hand any more: no tier to compare with next time
        s.execute(delete(HubRiskTier).where(tuple_(HubRiskTier.scope, HubRiskTier.ref).in_(sorted(held))))
    return alerts

"""Floating price bands from recorded sales, computed in PostgreSQL, and their publication to stations.

Per model x grade x channel: p25, median and p75 (percentile_cont, in risk.sale_groups, one ordered pass shared
with the volatility dimension) of the sale amounts of the last `window_days`, for combinations with at
least `min_sales` sales. The band is then moved as the policy
says: the median by its lifecycle stage's and IRI tier's `shift`, toward the buyers' median target
price by `target_weight`, and both half-widths grown by their `widen`. The result is the "bands/prices"
configuration document (station/value/bands.py); its version names the day and the content, so
publishing unchanged bands again the same day makes no new version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from station.sync.hub import configdocs
from station.sync.hub.risk import Risk, SaleGroup
from station.sync.hub.value_policy import Policy
from station.value import bands
from station.value.bands import Band, Bands
from station.value.lifecycle import Lifecycle

# A buyer's target on a lot speaks for the models and grades of the units in that lot.
_TARGETS = """
SELECT u.sku_key, u.grade, percentile_cont(0.5) WITHIN GROUP (ORDER BY t.target_price)
FROM lot_targets t
JOIN (SELECT DISTINCT station_id, lot, sku_key, grade FROM value_units WHERE lot IS NOT NULL AND grade IS NOT NULL) u
  ON u.station_id = t.station_id AND u.lot = t.lot
WHERE t.at >= :since AND t.at < :now GROUP BY u.sku_key, u.grade"""


def compute(s: Session, policy: Policy, tags: Lifecycle, risks: list[Risk], now: datetime,
            groups: list[SaleGroup]) -> tuple[Bands, str]:
    """The bands of every group (risk.sale_groups) with min_sales sales and a known model, grade and channel,
    and the document's text (what `publish` stores: dumping 13,500 bands twice cost a second)."""
    since = now - timedelta(days=policy.window_days)
    tiers = {r.ref: r.tier for r in risks}
    targets = {(k, g): float(t) for k, g, t in s.execute(text(_TARGETS), {"since": since, "now": now})}
    out = []
    for g in groups:
        if g.sales < policy.min_sales or not (g.make and g.model and g.grade and g.channel):
            continue
        tag = tags.tag_for(g.make, g.model, g.capacity)
        out.append(move(Band(g.make, g.model, g.capacity or "", g.grade, g.channel, g.sales, g.p25, g.median, g.p75,
                             g.p25, g.median, g.p75, stage=tag.stage if tag else None, tier=tiers.get(g.sku_key),
                             target=targets.get((g.sku_key, g.grade))), policy))
    out.sort(key=lambda b: (b.key, b.grade, b.channel))
    doc = Bands("", "hub", policy.currency, policy.window_days, policy.min_sales, policy.discounts, tuple(out))
    unversioned = bands.dump(doc)
    version = f"{now:%Y-%m-%d}-{hashlib.sha256(unversioned.encode('utf-8')).hexdigest()[:10]}"
    # The version is the head's first key, so naming it in the text already dumped gives dump()'s own text.
    body = unversioned.replace('{"version": ""', '{"version": ' + json.dumps(version), 1)
    return replace(doc, version=version), body


def move(b: Band, policy: Policy) -> Band:
    """The observed band moved by stage, tier and target as the policy says."""
    moves = [m for m in (policy.stage_moves.get(str(b.stage)) if b.stage else None,
                         policy.tier_moves.get(b.tier) if b.tier else None) if m is not None]
    shift, widen = sum(m.shift for m in moves), sum(m.widen for m in moves)
    median = b.observed_median * (1 + shift)
    if b.target is not None:
        median += policy.target_weight * (b.target - median)
    median = max(0.0, median)
    low = (b.observed_median - b.observed_p25) * (1 + widen)
    high = (b.observed_p75 - b.observed_median) * (1 + widen)
    return replace(b, p25=max(0.0, median - low), median=median, p75=median + high)


def publish(s: Session, doc: Bands, by: str | None = None, text: str | None = None) -> tuple[int, bool]:
    """Publish the bands for stations to pull: (hub version, created). `text`: the document as compute gave it."""
    return configdocs.publish(s, bands.KIND, bands.NAME, text if text is not None else bands.dump(doc), by)

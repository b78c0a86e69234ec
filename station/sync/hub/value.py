"""One recomputation of the value loop on the hub: lifecycle tags, IRI per model and lot, price bands.

`recompute` is what `station hub bands`, `station hub risk`, the API and the benchmark run: it reads
only, unless asked to record tiers (alerts on a change) and publish the bands for stations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from station.sync.hub import lifecycle_admin, pricebands, risk
from station.sync.hub.auth import now as hub_now
from station.sync.hub.value_policy import Policy
from station.value.bands import Bands


@dataclass
class Recomputed:
    at: datetime
    models: list[risk.Risk]
    lots: list[risk.Risk]
    bands: Bands
    alerts: list[str] = field(default_factory=list)
    published: int | None = None  # hub version of bands/prices, when published and new


def recompute(s: Session, policy: Policy, *, at: datetime | None = None, record: bool = False,
              publish: bool = False, by: str | None = None) -> Recomputed:
    when = at or hub_now()
    # The sales are sorted per model, grade and channel: in memory, not in temp files, for this transaction only.
    s.execute(text("SET LOCAL work_mem = '128MB'"))
    tags = lifecycle_admin.current(s)
    groups = risk.sale_groups(s, policy, when)
    models = risk.models(s, policy, tags, when, groups)
    lots = risk.lots(s, policy, models, when)
    doc, text_ = pricebands.compute(s, policy, tags, models, when, groups)
    result = Recomputed(when, models, lots, doc)
    if record:
        result.alerts = risk.record_tiers(s, [*models, *lots], when)
    if publish:
        version, created = pricebands.publish(s, doc, by, text_)
        result.published = version if created else None
    return result

"""The scan-back check of a printed label, and what it completes.

Only a scan of the open unit's own label is a check (anything else is a scan like any other:
another unit opens). A label that matches is the unit's last step: the unit is finished then,
with "label checked" in its finish event, and the bench is ready for the next scan.
"""

from __future__ import annotations

from dataclasses import dataclass

from station import identifiers, workflow
from station.config import Config
from station.context import StationContext
from station.labels import flow


@dataclass(frozen=True)
class Checked:
    scan: flow.ScanBack
    finished: workflow.FinishResult | None  # the unit finished by this check, or why it could not


def is_label_of(text: str, uid: str | None, config: Config) -> bool:
    """True when `text` is the label barcode of unit `uid` (what the label printer wrote)."""
    if not uid:
        return False
    try:
        c = identifiers.classify(text, config)
    except Exception:  # an unreadable scan is nobody's label
        return False
    return c.valid and c.kind == "unit" and c.value.upper() == uid.upper()


def check(ctx: StationContext, uid: str, scanned: str) -> Checked:
    """Record the scan-back; a match on an unfinished unit finishes it."""
    result = flow.scan_back(ctx, uid, scanned)
    if not result.match:
        return Checked(result, None)
    view = workflow.load_unit(ctx, uid)
    if view is None or view.finished_at is not None:
        return Checked(result, None)
    return Checked(result, workflow.finish(ctx, uid))

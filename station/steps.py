"""Where one unit stands in the bench flow, read from what was recorded, and its stored stage.

The flow is Intake, Grade, Photos, Wipe, Route, Label, Done. A step is done when its record
exists (a grade, the required shots, a wipe that ended, a route, a label printed and checked),
so the stage shown in the header and stored on the unit can never claim a step nobody did.
`follow()` stores the stage when it moved, with a `unit.updated` event saying from where to where.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import events, units
from station.context import StationContext
from station.disposition import DATA_BEARING
from station.i18n import N_
from station.models import Event, PrintJob, Unit

STEPS = ("intake", "grade", "photos", "wipe", "route", "label", "done")
# Marked for the catalogues; shown through tr()/_() where they are displayed.
TITLES = {"intake": N_("Intake"), "grade": N_("Grade"), "photos": N_("Photos"), "wipe": N_("Wipe"),
          "route": N_("Route"), "label": N_("Label"), "done": N_("Done")}
# A wipe that ended, passed or not: the Route step then offers what the rules allow.
WIPE_ENDED = frozenset({"sanitized", "failed", "n/a"})


LabelState = Literal["none", "printed", "checked"]


@dataclass(frozen=True)
class Progress:
    uid: str
    stage: str  # the first step not done yet ("done" when finished)
    done: frozenset[str]
    skipped: frozenset[str]  # steps that do not apply (a unit that holds no data has no wipe)
    label: LabelState


def label_state(s: Session, unit: Unit) -> LabelState:
    """'checked' when the newest printed label was scanned back and matched, else 'printed' or 'none'."""
    job = s.execute(select(PrintJob.id).where(PrintJob.unit_id == unit.id, PrintJob.status == "printed")
                    .order_by(PrintJob.id.desc()).limit(1)).scalar()
    if job is None:
        return "none"
    payload = s.execute(select(Event.payload).where(Event.unit_id == unit.id, Event.kind == "label.scan_back")
                        .order_by(Event.seq.desc()).limit(1)).scalar()
    data = json.loads(payload) if payload else {}
    return "checked" if data.get("match") and data.get("job") == job else "printed"


def progress_of(s: Session, unit: Unit) -> Progress:
    from station.photos import finish_check as photos_missing

    label = label_state(s, unit)
    skipped = frozenset() if unit.device_class in DATA_BEARING else frozenset({"wipe"})
    done = {"intake"}
    if unit.sale_grade:
        done.add("grade")
    if photos_missing(s, unit) is None:  # all required shots, or a supervisor's override
        done.add("photos")
    # A wipe that ended, or a phone whose pre-check refused the erase (an account lock): either
    # way the Route step comes next, with the routes the rules still allow.
    if unit.wipe_status in WIPE_ENDED or unit.route is not None or unit.blocked_reason:
        done.add("wipe")
    if unit.route is not None:
        done.add("route")
    if label == "checked" or unit.finished_at is not None:
        done.add("label")
    if unit.finished_at is not None:
        done.add("done")
    stage = next((st for st in STEPS if st not in done and st not in skipped), "done")
    return Progress(unit.uid, stage, frozenset(done), skipped, label)


def follow(ctx: StationContext, uid: str) -> Progress | None:
    """The unit's progress; its stored stage moves to match (one `unit.stage` event when it does)."""
    with ctx.store.session() as s:
        unit = units.by_uid(s, uid)
        if unit is None:
            return None
        p = progress_of(s, unit)
        stored = "finished" if p.stage == "done" else p.stage  # "finished" is what finish() has always stored
        if unit.stage != stored:
            events.append(s, ctx.actor, "unit.updated", {"changed": {"stage": [unit.stage, stored]}}, unit)
            units.touch(unit, stage=stored)
        return p

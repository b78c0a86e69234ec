"""What the Grade panel reads for one unit, in one call: the unit, its active matrix, the answers
of its last grade (so re-grading edits them), and the proposed route once it is graded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from station import disposition
from station.context import StationContext
from station.disposition_rules import for_config
from station.grading.library import active
from station.grading.matrix import Matrix
from station.grading.service import latest, unit_for
from station.history_words import class_word
from station.i18n import _
from station.value.lifecycle import Stage


@dataclass(frozen=True)
class UnitForGrading:
    uid: str
    device_class: str
    make: str | None
    model: str | None
    wipe_status: str | None
    sale_grade: str | None
    route: str | None
    matrix: Matrix
    answers: dict[str, str] = field(default_factory=dict)
    graded_with: str | None = None  # matrix ref of the last grade
    decision: disposition.Decision | None = None
    stage: Stage | None = None  # the model's lifecycle stage as the hub tagged it, known before any grade

    @property
    def title(self) -> str:
        """The unit as the Grade panel names it, in the interface language."""
        what = " ".join(x for x in (self.make, self.model) if x) or _("unknown model")
        return f"{self.uid} · {class_word(self.device_class)} · {what}"


def load(ctx: StationContext, uid: str) -> UnitForGrading:
    with ctx.store.reader() as s:
        unit = unit_for(s, uid)
        m = active(ctx, unit.device_class)
        last = latest(s, unit)
        answers: dict[str, str] = {}
        if last is not None and last.matrix_id == m.id:
            # Keep only answers the active version still offers: a newer version may drop options.
            for key, value in json.loads(last.answers).items():
                q = m.question(key)
                if q is not None and q.option(value) is not None:
                    answers[key] = value
        decision = None
        if unit.sale_grade is not None:
            decision = disposition.decide(for_config(ctx.config), disposition.facts_for(s, unit))
        return UnitForGrading(
            unit.uid, unit.device_class, unit.make, unit.model, unit.wipe_status, unit.sale_grade, unit.route, m,
            answers, f"{last.matrix_id}@{last.matrix_version}" if last else None, decision,
            disposition.pricing_for(ctx.config).lifecycle.stage_of(unit.make, unit.model) if unit.model else None,
        )

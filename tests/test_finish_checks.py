"""Finishing a unit: grade, required photos and route are all checked, each with its sentence."""

from __future__ import annotations

import numpy as np

from station import photos, units, workflow
from station.context import Operator
from station.models import Operator as OperatorRow


def test_an_ungraded_unphotographed_unrouted_unit_cannot_finish(ctx) -> None:
    with ctx.store.session() as s:
        uid = units.create(s, ctx.actor, {"serial": "FIN-1"}, device_class="drive").uid
    result = workflow.finish(ctx, uid)
    assert not result.finished
    text = " ".join(result.blocked)
    assert "no grade yet" in text and "Required photos are missing: label, connector" in text
    assert "no route yet" in text
    with ctx.store.session() as s:
        units.touch(units.by_uid(s, uid), sale_grade="B+", route="recycle")
    for i, shot in enumerate(("label", "connector")):
        frame = np.random.default_rng(i).integers(0, 255, (60, 80, 3), dtype=np.uint8)
        photos.save_photo(ctx, uid, frame, stage="intake", shot=shot, camera=None, quality={})
    assert workflow.finish(ctx, uid).finished


def test_a_supervisor_may_finish_past_the_checks_with_a_reason(ctx) -> None:
    from station import clock

    with ctx.store.session() as s:
        uid = units.create(s, ctx.actor, {"serial": "FIN-2"}, device_class="other").uid
        row = OperatorRow(name="Sue", role="supervisor", created_at=clock.iso())
        s.add(row)
        s.flush()
        ctx.operator = Operator(row.id, "Sue", "supervisor")
    assert workflow.finish(ctx, uid, override_reason="customer asked for it back as is").finished

"""The hash-chained event log and its outbox rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from station import events, units
from station.models import Event, Outbox


def test_append_writes_event_and_outbox_in_one_transaction(ctx) -> None:
    with ctx.store.session() as s:
        unit = units.create(s, ctx.actor, {"serial": "SN123"})
        events.append(s, ctx.actor, "unit.scanned", {"scan": "SN123"}, unit)
    with ctx.store.reader() as s:
        n_events = s.execute(select(func.count()).select_from(Event)).scalar_one()
        n_outbox = s.execute(select(func.count()).select_from(Outbox)).scalar_one()
        assert n_events == n_outbox == 2
        assert events.verify_store_chain(s).ok


def test_a_failed_transaction_leaves_neither_event_nor_outbox(ctx) -> None:
    with pytest.raises(RuntimeError), ctx.store.session() as s:  # noqa: PT012 (the crash is inside the transaction)
        events.append(s, ctx.actor, "station.started", {})
        raise RuntimeError("crash before commit")
    with ctx.store.reader() as s:
        assert s.execute(select(func.count()).select_from(Event)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Outbox)).scalar_one() == 0


def test_every_event_carries_operator_station_and_time(ctx) -> None:
    from station import clock
    from station.context import Operator
    from station.models import Operator as OperatorRow

    with ctx.store.session() as s:
        row = OperatorRow(name="Dana", role="technician", created_at=clock.iso())
        s.add(row)
        s.flush()
        op_id = row.id
    ctx.operator = Operator(op_id, "Dana", "technician")
    with ctx.store.session() as s:
        ev = events.append(s, ctx.actor, "station.started", {"n": 1})
    assert (ev.operator_name, ev.operator_id, ev.station_id) == ("Dana", op_id, ctx.station_id)
    assert ev.created_at.endswith("Z")


@pytest.mark.parametrize(("field", "value"), [("payload", '{"n":99}'), ("kind", "unit.finished"),
                                         ("created_at", "2020-01-01T00:00:00.000000Z"), ("operator_name", "X")])
def test_altering_any_field_breaks_the_chain(ctx, field: str, value: str) -> None:
    with ctx.store.session() as s:
        for n in range(5):
            events.append(s, ctx.actor, "station.started", {"n": n})
    with ctx.store.session() as s:
        s.execute(update(Event).where(Event.seq == 3).values({field: value}))
    with ctx.store.reader() as s:
        report = events.verify_store_chain(s)
    assert not report.ok and "#3" in (report.problem or "")


def test_deleting_an_event_is_a_gap(ctx) -> None:
    with ctx.store.session() as s:
        for n in range(4):
            events.append(s, ctx.actor, "station.started", {"n": n}, sync=False)
    with ctx.store.session() as s:
        s.execute(Event.__table__.delete().where(Event.seq == 2))
    with ctx.store.reader() as s:
        report = events.verify_store_chain(s)
    assert not report.ok and "gap" in (report.problem or "")


def test_unknown_event_kind_is_refused(ctx) -> None:
    with pytest.raises(ValueError, match=r"unknown event kind 'no\.such\.kind'"), ctx.store.session() as s:
        events.append(s, ctx.actor, "no.such.kind", {})


def test_an_event_larger_than_the_hub_takes_is_refused_at_the_source(ctx) -> None:
    from station import limits
    from station.errors import UserFacingError

    with ctx.store.session() as s:
        events.append(s, ctx.actor, "station.started", {})
        fits = {"note": "x" * (limits.EVENT_PAYLOAD_MAX - len('{"note":""}'))}
        events.append(s, ctx.actor, "unit.scanned", fits)  # exactly at the limit: the hub takes it
    with pytest.raises(UserFacingError, match=r"more than the 65,536 bytes"), ctx.store.session() as s:
        events.append(s, ctx.actor, "unit.scanned", {"note": "ä" * (limits.EVENT_PAYLOAD_MAX // 2)})  # bytes, not chars
    with ctx.store.reader() as s:
        assert s.execute(select(func.count()).select_from(Event)).scalar_one() == 2
        assert s.execute(select(func.count()).select_from(Outbox)).scalar_one() == 2
        assert events.verify_store_chain(s).ok

"""A label is checked only by scanning that unit's own label; FINISH never records a check that
did not happen, and never prints a second copy of a label already printed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from station import clock, label_check, operators, units, workflow
from station.models import Event, PrintJob

IMEI = "352099001761481"


@pytest.fixture
def bench(ctx, monkeypatch):
    monkeypatch.setattr(workflow, "FINISH_CHECKS", [])  # grade, photos and route are not what this is about
    operators.add(ctx, "Ana", "technician", "OP-1001", "1357")
    assert workflow.on_scan(ctx, "OP-1001").action == "signed_in"
    return ctx


def _printed(ctx, uid: str) -> int:
    with ctx.store.session() as s:
        unit = units.by_uid(s, uid)
        job = PrintJob(unit_id=unit.id, layout="2x1in", printer="demo", bitmap_sha256="0" * 64, status="printed",
                       attempts=1, created_at=clock.iso(), printed_at=clock.iso())
        s.add(job)
        s.flush()
        return job.id


def _finish_payload(ctx) -> dict:
    with ctx.store.reader() as s:
        return json.loads(s.execute(select(Event.payload).where(Event.kind == "unit.finished")).scalar_one())


def _jobs(ctx) -> int:
    with ctx.store.reader() as s:
        return len(s.execute(select(PrintJob.id)).all())


def test_finish_after_a_print_without_scan_back_asks_for_the_check_first(bench) -> None:
    uid = workflow.on_scan(bench, IMEI).uid
    _printed(bench, uid)
    asked = workflow.on_scan(bench, "CMD:FINISH", current_uid=uid)
    assert asked.action == "check_label" and "printed but not checked" in asked.message
    assert workflow.load_unit(bench, uid).finished_at is None
    done = workflow.on_scan(bench, "CMD:FINISH", current_uid=uid, finish_unchecked=True)
    assert done.action == "finished" and "Label not checked." in done.message
    assert _finish_payload(bench)["label"] == "label not checked"
    assert _jobs(bench) == 1  # no second copy of the label already printed
    with bench.store.reader() as s:
        assert not s.execute(select(Event.id).where(Event.kind == "label.scan_back")).first()


def test_finish_without_any_label_records_label_not_checked(bench) -> None:
    uid = workflow.on_scan(bench, IMEI).uid
    done = workflow.on_scan(bench, "CMD:FINISH", current_uid=uid)
    assert done.action == "finished"
    assert _finish_payload(bench)["label"] == "label not checked"


def test_the_open_units_label_scanned_back_checks_it_and_finishes_the_unit(bench) -> None:
    uid = workflow.on_scan(bench, IMEI).uid
    _printed(bench, uid)
    wrong = label_check.check(bench, uid, "U999999999")
    assert not wrong.scan.match and wrong.finished is None
    right = label_check.check(bench, uid, uid)
    assert right.scan.match and right.finished is not None and right.finished.finished
    assert _finish_payload(bench)["label"] == "label checked"
    assert _jobs(bench) == 1  # finishing a unit whose label is printed and checked prints nothing more


def test_only_the_open_units_own_label_is_a_check(bench) -> None:
    uid = workflow.on_scan(bench, IMEI).uid
    other = workflow.on_scan(bench, "356938035643809").uid
    assert label_check.is_label_of(uid, uid, bench.config)
    assert label_check.is_label_of(uid.lower(), uid, bench.config)
    assert not label_check.is_label_of(other, uid, bench.config)
    assert not label_check.is_label_of(IMEI, uid, bench.config)  # its IMEI opens it; it is not its label
    assert not label_check.is_label_of("CMD:FINISH", uid, bench.config)


def test_the_label_names_the_route_in_words_not_its_id(bench) -> None:
    from station.labels.fields import gather

    uid = workflow.on_scan(bench, IMEI).uid
    with bench.store.session() as s:
        unit = units.by_uid(s, uid)
        units.touch(unit, route="wholesale_auction", sale_grade="B")
        route = gather(s, unit, station="vm")["route"]
    assert "Wholesale auction" in route and "wholesale_auction" not in route  # it printed the id

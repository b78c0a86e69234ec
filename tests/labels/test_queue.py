"""The print queue against the simulated network printer: every print is an event, a
printer problem keeps the job queued with its exact bitmap, and a retry prints it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from station import events, units
from station.context import StationContext
from station.devices.printer.session import PrinterSession, session_for_spec
from station.errors import UserFacingError
from station.labels import flow, queue
from station.labels.render import bitmap_hash
from station.models import Event, PrintJob
from station.sim.printer import SimPrinterServer
from tests.labels.helpers import decode_all, make_unit, same_pixels


@pytest.fixture
def sim() -> Iterator[SimPrinterServer]:
    srv = SimPrinterServer("zpl")
    yield srv
    srv.stop()


@pytest.fixture
def printer(ctx: StationContext, sim: SimPrinterServer) -> PrinterSession:
    ctx.config.set("printer.timeout_s", 0.5)
    return session_for_spec(sim.spec, ctx.config)


def _events(ctx: StationContext, kind: str) -> list[dict]:  # type: ignore[type-arg]
    with ctx.store.reader() as s:
        rows = s.execute(select(Event.payload).where(Event.kind == kind).order_by(Event.seq)).scalars()
        return [json.loads(p) for p in rows]


@pytest.mark.timeout(30)
def test_print_records_layout_printer_and_bitmap_hash(ctx: StationContext, sim: SimPrinterServer,
                                                      printer: PrinterSession) -> None:
    uid = make_unit(ctx)
    preview = queue.render_unit(ctx, "356938035643809", "2x1in", printer.dpi)  # found by IMEI too
    assert preview.uid == uid and preview.values["grade"] == "A" and preview.values["wipe"] == "WIPED"
    done = queue.print_unit(ctx, printer, uid, "2x1in")
    assert done.sha256 == preview.sha256
    printed = sim.wait_for_jobs(1)[0].images[0]
    assert same_pixels(printed, preview.image)
    assert decode_all(printed)["Code128"] == uid
    (ev,) = _events(ctx, "label.printed")
    assert ev == {"job": done.job_id, "layout": "2x1in", "printer": sim.spec.name,
                  "bitmap_sha256": preview.sha256, "attempts": 1}
    assert _events(ctx, "label.queued")[0]["reason"] == "print"
    with ctx.store.reader() as s:
        job = s.get(PrintJob, done.job_id)
        assert job is not None and job.status == "printed" and job.printed_at
        assert events.verify_store_chain(s).ok


@pytest.mark.timeout(30)
@pytest.mark.parametrize("fault", ["refuse", "close_mid_job", "silent", "paper_out"])
def test_a_printer_problem_keeps_the_job_and_a_retry_prints_the_same_bitmap(
        ctx: StationContext, sim: SimPrinterServer, printer: PrinterSession, fault: str) -> None:
    uid = make_unit(ctx)
    preview = queue.render_unit(ctx, uid, "4x6in", printer.dpi)
    sim.set_fault(fault)
    with pytest.raises(queue.LabelQueued) as err:
        queue.print_unit(ctx, printer, uid, "4x6in")
    assert "The label is queued (job" in str(err.value)
    assert _events(ctx, "label.printed") == []
    (job,) = queue.pending(ctx)
    assert job.attempts == 1 and job.last_error and job.bitmap_sha256 == preview.sha256
    # The unit changes before the retry: the queued label is still the one that was previewed.
    with ctx.store.session() as s:
        units.touch(units.by_uid(s, uid), sale_grade="C")  # type: ignore[arg-type]
    assert queue.retry_pending(ctx, printer)[:2] == (0, 1)
    assert queue.pending(ctx)[0].attempts == 2
    sim.set_fault(None)
    assert queue.retry_pending(ctx, printer) == (1, 0, None)
    printed = sim.wait_for_jobs(1)[0].images[0]
    assert same_pixels(printed, preview.image) and bitmap_hash(printed) == preview.sha256
    assert queue.pending(ctx) == []
    assert [e["attempts"] for e in _events(ctx, "label.printed")] == [3]


@pytest.mark.timeout(30)
@pytest.mark.usefixtures("sim")
def test_reprint_history_and_scan_back(ctx: StationContext, printer: PrinterSession) -> None:
    uid = make_unit(ctx)
    first = queue.print_unit(ctx, printer, uid)
    again = flow.reprint(ctx, printer, uid, "62x29mm")
    assert [j.id for j in flow.history(ctx, uid)] == [again.job_id, first.job_id]
    assert [e["reason"] for e in _events(ctx, "label.queued")] == ["print", "reprint"]
    ok = flow.scan_back(ctx, uid, f" {uid}\r\n")
    assert ok.match and "Label checked" in ok.message
    other = make_unit(ctx, imei="490154203237518")
    bad = flow.scan_back(ctx, uid, other)
    assert not bad.match and bad.message.startswith("LABEL MISMATCH") and other in bad.message
    recorded = _events(ctx, "label.scan_back")
    assert [(e["match"], e["job"]) for e in recorded] == [(True, again.job_id), (False, again.job_id)]


@pytest.mark.timeout(30)
def test_finishing_a_unit_queues_its_label_and_a_retry_prints_it(ctx: StationContext, sim: SimPrinterServer,
                                                                 printer: PrinterSession,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from station import workflow

    monkeypatch.setattr(workflow, "FINISH_CHECKS", [])  # this test is about the label hook, not the checks
    ctx.config.set("label.auto_print", False)
    first = make_unit(ctx)
    assert workflow.finish(ctx, first).finished
    assert queue.pending(ctx) == []
    ctx.config.set("label.auto_print", True)
    uid = make_unit(ctx, imei="490154203237518")
    result = workflow.finish(ctx, uid)
    assert result.finished and any(m.startswith("Label queued (job") for m in result.messages)
    (job,) = queue.pending(ctx)
    assert job.printer == queue.UNASSIGNED  # no printer in settings: the first printer to retry takes it
    assert _events(ctx, "label.queued")[0]["reason"] == "auto"
    assert queue.retry_pending(ctx, printer) == (1, 0, None)
    assert decode_all(sim.wait_for_jobs(1)[0].images[0])["Code128"] == uid


def test_default_printer_comes_from_settings(ctx: StationContext) -> None:
    assert flow.default_printer(ctx.config) == ("unassigned", 203)
    ctx.config.set("printer.kind", "escpos")
    ctx.config.set("printer.connection", "tcp://10.0.0.9")
    ctx.config.set("printer.profile", "TM-T88V")
    assert flow.default_printer(ctx.config) == ("escpos@tcp://10.0.0.9:9100", 180)


def test_unknown_unit_is_a_clear_error(ctx: StationContext) -> None:
    with pytest.raises(UserFacingError, match="No unit answers to 'U000000000'"):
        queue.render_unit(ctx, "U000000000")

"""The label steps of the bench flow: queue on finish (auto-print), re-print, scan-back check, history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from station import events, units
from station.config import Config
from station.context import StationContext
from station.devices.printer import escpos_job
from station.devices.printer.connection import from_config
from station.errors import UserFacingError
from station.i18n import _
from station.labels.queue import UNASSIGNED, LabelPrinter, Printed, enqueue, print_unit, render_unit
from station.models import PrintJob


@dataclass(frozen=True)
class ScanBack:
    match: bool
    expected: str
    scanned: str
    message: str


@dataclass(frozen=True)
class JobRow:
    id: int
    layout: str
    printer: str
    status: str
    attempts: int
    created_at: str
    printed_at: str | None
    last_error: str | None
    bitmap_sha256: str


def default_printer(config: Config) -> tuple[str, int]:
    """(name, dpi) of the printer in settings; ('unassigned', printer.dpi) when none is set."""
    spec = from_config(config)
    dpi = config.get_int("printer.dpi")
    if spec is None:
        return UNASSIGNED, dpi
    if spec.protocol == "escpos":
        dpi = escpos_job.media(config.get_str("printer.profile"))[1] or dpi
    return spec.name, dpi


def queue_on_finish(ctx: StationContext, uid: str) -> str | None:
    """The workflow's ON_FINISH hook: queue the grade label when `label.auto_print` is on.

    Only queued here: finishing runs on the database executor, which must not wait on a
    network printer. The app's printer service sends queued labels at once (and retries);
    `station label retry` does the same from a script."""
    if not ctx.config["label.auto_print"]:
        return None
    name, dpi = default_printer(ctx.config)
    job = enqueue(ctx, render_unit(ctx, uid, dpi=dpi), name, reason="auto")
    return _("Label queued (job {job}).").format(job=job)


def reprint(ctx: StationContext, printer: LabelPrinter, uid: str, layout_name: str | None = None) -> Printed:
    """Another copy, rendered from the unit as it is now."""
    return print_unit(ctx, printer, uid, layout_name, reason="reprint")


def scan_back(ctx: StationContext, expected_uid: str, scanned: str) -> ScanBack:
    """Compare the scan of the printed label with the unit it was printed for; record it."""
    scanned = scanned.strip()
    match = scanned == expected_uid
    with ctx.store.session() as s:
        unit = units.by_uid(s, expected_uid)
        if unit is None:
            raise UserFacingError(_("Unit {expected_uid} is not in the database; scan the unit again.").format(
                    expected_uid=expected_uid))
        job = s.execute(select(PrintJob.id).where(PrintJob.unit_id == unit.id, PrintJob.status == "printed")
                        .order_by(PrintJob.id.desc()).limit(1)).scalar()
        events.append(s, ctx.actor, "label.scan_back",
                      {"expected": expected_uid, "scanned": scanned, "match": match, "job": job}, unit)
    if match:
        return ScanBack(True, expected_uid, scanned, _("Label checked: it scans as {uid}.").format(uid=expected_uid))
    return ScanBack(False, expected_uid, scanned,
                    _("LABEL MISMATCH: the label scans as '{scanned}' but this unit is {uid}. "
                      "Do not stick it on: throw it away and re-print.").format(scanned=scanned, uid=expected_uid))


def history(ctx: StationContext, uid: str) -> list[JobRow]:
    """Print jobs of a unit, newest first (for the panel's re-print list)."""
    with ctx.store.reader() as s:
        unit = units.by_uid(s, uid)
        if unit is None:
            return []
        rows = s.execute(select(PrintJob).where(PrintJob.unit_id == unit.id).order_by(PrintJob.id.desc())).scalars()
        return [JobRow(r.id, r.layout, r.printer, r.status, r.attempts, r.created_at, r.printed_at, r.last_error,
                       r.bitmap_sha256) for r in rows]

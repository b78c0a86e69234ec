"""The print queue: every label is a PrintJob row before it goes to a printer, and it
stays queued until a printer took it. No label is lost to a printer that was off.

The exact bitmap of each job is kept as a PNG named by its bit hash in <data>/labels/,
so a retry prints the very label the technician previewed. Events: label.queued when a
job is created, label.printed when a printer took it, label.scan_back for the check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from station import clock, events, units
from station.context import StationContext
from station.errors import DeviceError, UserFacingError
from station.i18n import _
from station.labels import fields
from station.labels.layout import Layout, find
from station.labels.render import bitmap_hash, render, to_png
from station.labels.zpl_native import native_job
from station.models import PrintJob, Unit
from station.paths import hub_documents

log = logging.getLogger(__name__)
UNASSIGNED = "unassigned"  # queued with no printer set; the next printer to retry takes it


class LabelPrinter(Protocol):
    """What the queue needs of a printer session (devices.printer.session.PrinterSession)."""

    @property
    def name(self) -> str: ...

    dpi: int

    def print_bitmap(self, img: Image.Image, native_zpl: bytes | None = None) -> object: ...


class LabelQueued(DeviceError):
    """The printer did not take the label; the job is kept and will be retried."""

    def __init__(self, message: str, job_id: int) -> None:
        super().__init__(message)
        self.job_id = job_id


@dataclass(frozen=True)
class Rendered:
    uid: str
    layout: Layout
    dpi: int
    image: Image.Image
    sha256: str
    values: dict[str, str]


@dataclass(frozen=True)
class Printed:
    job_id: int
    uid: str
    printer: str
    sha256: str
    message: str


def label_dir(ctx: StationContext) -> Path:
    return ctx.data.root / "labels"


def layout_for(ctx: StationContext, name: str | None = None) -> Layout:
    return find(name or ctx.config.get_str("label.layout"), ctx.config.get_str("label.layout_dir"),
                hub_documents(ctx.config.path, "layouts")).in_language(ctx.config.get_str("site.language"))


def render_unit(ctx: StationContext, ident: str, layout_name: str | None = None, dpi: int | None = None) -> Rendered:
    """The label of the unit answering to `ident` (unit id, IMEI, serial...), at `dpi`."""
    layout = layout_for(ctx, layout_name)
    with ctx.store.reader() as s:
        unit = units.find_any(s, ident.strip())
        if unit is None:
            raise UserFacingError(_("No unit answers to '{ident}'. Scan the unit's label or IMEI, or check "
                                    "the id.").format(ident=ident))
        values = fields.gather(s, unit, station=ctx.config.get_str("station.name") or ctx.station_id,
                               timezone=ctx.config.get_str("station.timezone"),
                               language=ctx.config.get_str("site.language"))
        uid = unit.uid
    dpi = dpi or layout.dpi
    img = render(layout, values, dpi)
    return Rendered(uid, layout, dpi, img, bitmap_hash(img), values)


def _keep(ctx: StationContext, label: Rendered) -> None:
    folder = label_dir(ctx)
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / f"{label.sha256}.png"
    if not png.exists():
        tmp = png.with_name(f"{png.name}.tmp")
        to_png(label.image, tmp, label.dpi)
        tmp.replace(png)
    if label.layout.native_zpl:  # the printer-drawn variant, from the same values
        (folder / f"{label.sha256}.zpl").write_bytes(native_job(label.layout, label.values, label.dpi))


def enqueue(ctx: StationContext, label: Rendered, printer_name: str, *, reason: str = "print") -> int:
    """Keep the bitmap and queue the job (label.queued), in one transaction."""
    _keep(ctx, label)
    with ctx.store.session() as s:
        unit = units.by_uid(s, label.uid)
        if unit is None:
            raise UserFacingError(_("Unit {uid} is gone from the database; scan it again.").format(uid=label.uid))
        job = PrintJob(unit_id=unit.id, layout=label.layout.name, printer=printer_name, bitmap_sha256=label.sha256,
                       status="queued", attempts=0, created_at=clock.iso())
        s.add(job)
        s.flush()
        events.append(s, ctx.actor, "label.queued", {
            "job": job.id, "layout": label.layout.name, "printer": printer_name, "dpi": label.dpi,
            "bitmap_sha256": label.sha256, "reason": reason,
        }, unit)
        return job.id


def _job_bitmap(ctx: StationContext, job: PrintJob) -> tuple[Image.Image, int] | None:
    """The kept bitmap of a job and its DPI, or None when missing or not the hashed bits."""
    png = label_dir(ctx) / f"{job.bitmap_sha256}.png"
    if not png.exists():
        return None
    with Image.open(png) as im:
        dpi = round(float(im.info.get("dpi", (0, 0))[0]))
        img = im.convert("1")
    return (img, dpi) if bitmap_hash(img) == job.bitmap_sha256 else None


def _uid_of(s: Session, unit_id: int) -> str:
    return str(s.execute(select(Unit.uid).where(Unit.id == unit_id)).scalar_one())


def send(ctx: StationContext, job_id: int, printer: LabelPrinter) -> Printed:
    """Send a queued job. On a printer problem the job stays queued and LabelQueued is raised."""
    with ctx.store.reader() as s:
        job = s.get(PrintJob, job_id)
        if job is None:
            raise UserFacingError(_("Print job {job_id} does not exist.").format(job_id=job_id))
        if job.status == "printed":
            raise UserFacingError(_("Print job {job_id} already printed; use re-print for another copy.").format(
                    job_id=job_id))
        unit_uid, layout_name, sha = _uid_of(s, job.unit_id), job.layout, job.bitmap_sha256
        kept = _job_bitmap(ctx, job)
    if kept is not None and kept[1] == printer.dpi:
        img = kept[0]
    else:
        # Missing, or made for a printer of another resolution (a retry elsewhere): render anew.
        label = render_unit(ctx, unit_uid, layout_name, printer.dpi)
        _keep(ctx, label)
        img, sha = label.image, label.sha256
    native = label_dir(ctx) / f"{sha}.zpl"
    speaks_zpl = getattr(getattr(printer, "spec", None), "protocol", "") == "zpl"
    native_zpl = native.read_bytes() if speaks_zpl and native.exists() else None
    try:
        printer.print_bitmap(img, native_zpl)
    except DeviceError as exc:
        with ctx.store.session() as s:
            row = s.get(PrintJob, job_id)
            assert row is not None
            row.attempts += 1
            row.last_error = str(exc)
        raise LabelQueued(_("{exc} The label is queued (job {job_id}) and will print when the printer is "
                            "back.").format(exc=exc, job_id=job_id),
                          job_id) from exc
    with ctx.store.session() as s:
        row = s.get(PrintJob, job_id)
        assert row is not None
        row.attempts += 1
        row.status, row.printed_at, row.last_error = "printed", clock.iso(), None
        row.printer, row.bitmap_sha256 = printer.name, sha
        events.append(s, ctx.actor, "label.printed", {
            "job": job_id, "layout": layout_name, "printer": printer.name, "bitmap_sha256": sha,
            "attempts": row.attempts, **({"native_zpl": True} if native_zpl else {}),
        }, units.by_uid(s, unit_uid))
    return Printed(job_id, unit_uid, printer.name, sha, _("Label for {uid} printed ({printer}).").format(
        uid=unit_uid, printer=printer.name))


def print_unit(ctx: StationContext, printer: LabelPrinter, ident: str, layout_name: str | None = None,
               *, reason: str = "print") -> Printed:
    """Render at the printer's DPI, queue, send: the one path for print, re-print and auto-print."""
    label = render_unit(ctx, ident, layout_name, printer.dpi)
    job_id = enqueue(ctx, label, printer.name, reason=reason)
    return send(ctx, job_id, printer)


def pending(ctx: StationContext) -> list[PrintJob]:
    with ctx.store.reader() as s:
        return list(s.execute(select(PrintJob).where(PrintJob.status == "queued").order_by(PrintJob.id)).scalars())


def retry_pending(ctx: StationContext, printer: LabelPrinter) -> tuple[int, int, str | None]:
    """Send queued jobs oldest first; stop at the first failure (the printer is still down).
    Returns (printed, still queued, the failure's sentence or None)."""
    jobs = pending(ctx)
    done = 0
    for job in jobs:
        try:
            send(ctx, job.id, printer)
        except LabelQueued as exc:
            return done, len(jobs) - done, str(exc)
        done += 1
    return done, 0, None

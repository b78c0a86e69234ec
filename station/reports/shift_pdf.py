"""The shift report as a readable A4 PDF: KPI summary, totals, then the units."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from station import __version__, i18n
from station.certs.pdf import fonts
from station.errors import UserFacingError
from station.i18n import N_, _, ngettext
from station.kpis import Kpis
from station.reports.pdf_table import UnitTable, cell
from station.reports.shift_rows import OPERATOR_SEP, ShiftLog


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def num(x: float | None, fmt: str = "{:.1f}") -> str:
    return "–" if x is None else fmt.format(x)


def _wipes(k: Kpis) -> str:
    stopped = ngettext("; {count} stopped, not counted", "; {count} stopped, not counted",
                       k.wipes_stopped).format(count=k.wipes_stopped) if k.wipes_stopped else ""
    return _("{rate} ({passed} sanitized, {failed} failed{stopped})").format(
        rate=pct(k.wipe_pass_rate), passed=k.wipes_passed, failed=k.wipes_failed, stopped=stopped)


def kpi_lines(k: Kpis) -> list[tuple[str, str]]:
    return [
        (_("Units in / finished"), f"{k.units_in} / {k.units_finished}"),
        (_("Units per hour"), f"{k.units_per_hour:.1f}"),
        (_("Wipe pass rate"), _wipes(k)),
        (_("Cycle time median / p90"), _("{median} / {p90} min").format(median=num(k.cycle_median_min),
                                                                       p90=num(k.cycle_p90_min))),
        (_("Expected recovery value"), f"{k.expected_value:,.2f}"),
        (_("Recovery rate"), pct(k.recovery_rate)),
        (_("Disposition accuracy"), ngettext("{rate} of {count} outcome", "{rate} of {count} outcomes",
                                             k.outcomes).format(rate=pct(k.accuracy_rate), count=k.outcomes)),
        (_("Waste diversion"), pct(k.diversion_rate)),
        (_("Realised against routed value"), k.realised_text()),
        (_("Disposition accuracy by value"), k.value_accuracy_text()),
        (_("Cost per return"), k.cost_text()),
        (_("Cycle time to value median / p90"), k.value_cycle_text()),
        (_("Grade mix"), ", ".join(f"{g}: {n}" for g, n in k.grade_mix.items()) or "–"),
        (_("Routes"), ", ".join(f"{r}: {n}" for r, n in k.routes.items()) or "–"),
        (_("Work in progress"), ", ".join(f"{s}: {n}" for s, n in k.wip.items()) or _("none")),
    ]


def styles() -> StyleSheet1:
    """reportlab's sample styles in DejaVu Sans when it is installed: Helvetica has no Polish letters."""
    regular, bold = fonts()
    sheet = getSampleStyleSheet()
    sheet["Normal"].fontName = sheet["BodyText"].fontName = regular
    sheet["Title"].fontName = sheet["Heading1"].fontName = sheet["Heading2"].fontName = bold
    return sheet


def table(data: list[list[str]], widths: list[float], header: bool = True) -> Table:
    regular, bold = fonts()
    t = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    style = [("FONTNAME", (0, 0), (-1, -1), regular), ("FONTSIZE", (0, 0), (-1, -1), 8),
             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]
    if header:
        style += [("FONTNAME", (0, 0), (-1, 0), bold), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f3a5f")),
                  ("TEXTCOLOR", (0, 0), (-1, 0), colors.white)]
    t.setStyle(TableStyle(style))
    return t


def people_and_failures(per_technician: list[tuple[str, int, float]], wipe_failures: dict[str, int]) -> list[Flowable]:
    """The Technicians and Wipe failures sections, when there is anything to show."""
    sheet = styles()
    story: list[Flowable] = []
    if per_technician:
        story += [Paragraph(_("Technicians"), sheet["Heading2"]),
                  table([[_("Technician"), _("Units finished"), _("Units per hour")]] +
                         [[n, str(c), f"{r:.1f}"] for n, c, r in per_technician], [80 * mm, 40 * mm, 40 * mm])]
    if wipe_failures:
        story += [Paragraph(_("Wipe failures by reason"), sheet["Heading2"]),
                  table([[_("Reason"), _("Count")]] + [[r, str(n)] for r, n in wipe_failures.items()],
                         [200 * mm, 30 * mm])]
    return story


# Column heads, translated when the table is drawn.
_UNIT_HEAD = [N_("Unit"), N_("Class / model"), N_("Sale grade"), N_("Photos"), N_("Wipe"), N_("Certificate"),
              N_("Route"), N_("Value"), N_("Operators"), N_("Finished")]
_UNIT_WIDTHS = [24 * mm, 40 * mm, 16 * mm, 13 * mm, 20 * mm, 38 * mm, 28 * mm, 22 * mm, 44 * mm, 18 * mm]


def units_section(rows: list[dict[str, Any]], *, with_station: bool = False) -> list[Flowable]:
    """Every unit on its own row (whole certificate ids, every operator), then the totals (units,
    photos, expected value). Drawn by pdf_table: reportlab's Table took minutes for a busy shift."""
    lead = [_("Station")] if with_station else []
    data = []
    for r in rows:
        data.append(([cell(r["station"])] if with_station else []) + [
            cell(r["uid"]), f"{r['device_class'] or ''} {r['model'] or ''}".strip(), r["sale_grade"] or "–",
            str(r["photos"]), r["wipe_status"] or "–", r["certificate_id"] or "–", r["route"] or "–",
            f"{r['expected_value']:,.2f}" if r["expected_value"] is not None else "–",
            cell(r["operators"]).replace(OPERATOR_SEP, "; "),  # wrapped to the column, not a line each
            r["finished_at"].strftime("%H:%M") if r["finished_at"] else _("open")])
    total = sum(r["expected_value"] or 0.0 for r in rows)
    units = ngettext("{count} unit", "{count} units", len(rows)).format(count=len(rows))
    data.append([""] * len(lead) + [_("Total"), units, "", str(sum(r["photos"] for r in rows)),
                                    "", "", "", f"{total:,.2f}", "", ""])
    # With a Station column the others give up a little width each, so the page still holds them.
    widths = [24 * mm] + [w * 0.91 for w in _UNIT_WIDTHS] if with_station else _UNIT_WIDTHS
    return [Paragraph(_("Units"), styles()["Heading2"]),
            UnitTable(lead + [_(h) for h in _UNIT_HEAD], data, widths, bold_last=True)]


def build(out: Path, story: list[Flowable], title: str, footer_text: str) -> Path:
    """Lay out an A4 landscape report atomically: a failure leaves no partial file."""
    def footer(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.setFont(fonts()[0], 7)
        canvas.drawString(15 * mm, 8 * mm, _("triage-station {version} — {footer} — page {page}").format(
            version=__version__, footer=footer_text, page=doc.page))

    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    a85 = rl_config.useA85
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # Pages as plain zlib streams: reportlab's ASCII85 wrapping (pure Python without its optional
        # accelerator) took longer than laying out a 20,000-unit report; every reader takes binary.
        rl_config.useA85 = 0
        SimpleDocTemplate(str(tmp), pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                          topMargin=12 * mm, bottomMargin=14 * mm, title=title
                          ).build(story, onFirstPage=footer, onLaterPages=footer)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserFacingError(_("The shift report could not be written to {path} ({why}). "
                                "Choose another folder or free some space.").format(
            path=out, why=exc.strerror or exc)) from exc
    finally:
        rl_config.useA85 = a85
    return out


def write_pdf(log: ShiftLog, kpis: Kpis, out: Path, *, station: str, language: str = "en") -> Path:
    """The shift report in `language`: the site's (`site.language`), like labels and certificates, so a
    supervisor's own interface language does not change the paper the site files."""
    with i18n.speaking(language):
        return _write_pdf(log, kpis, out, station=station)


def _write_pdf(log: ShiftLog, kpis: Kpis, out: Path, *, station: str) -> Path:
    sheet = styles()
    story: list[Flowable] = [
        Paragraph(escape(_("Shift report — {station}").format(station=station)), sheet["Title"]),
        Paragraph(escape(_("{shift} (times in {zone})").format(shift=log.window.label(), zone=log.zone)
                         + (_(" — operator {name}").format(name=log.operator) if log.operator else "")),
                  sheet["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph(_("Summary"), sheet["Heading2"]),
        table([[a, b] for a, b in kpi_lines(kpis)], [60 * mm, 200 * mm], header=False),
    ]
    story += people_and_failures(kpis.per_technician, kpis.wipe_failures)
    story += units_section(log.rows)
    return build(out, story, _("Shift report {shift}").format(shift=log.window.label()), station)

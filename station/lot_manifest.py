"""A lot's manifest for buyers: one row per unit with identifiers, grades, what the grade discloses
(defects, functional level, lock status, R2v3 REC as of now), wipe result, certificate and photo
count; exported as CSV or as XLSX (typed cells, frozen header, autofilter, a summary sheet).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from station import clock
from station.cell_text import FORMULA_LEADS, neutralise
from station.context import StationContext
from station.disposition_gates import Facts, gate_overridden, gates
from station.errors import UserFacingError
from station.grading import crosswalk
from station.i18n import _
from station.lots import LotInfo, _info, get
from station.models import Grade, LotUnit, PhoneCheck, Photo, Unit, UnitIdentifier

COLUMNS: tuple[tuple[str, str], ...] = (
    ("lot", "Lot"), ("unit", "Unit"), ("device_class", "Class"), ("make", "Make"), ("model", "Model"),
    ("serial", "Serial"), ("imei", "IMEI"), ("identifiers", "Other identifiers"),
    ("cosmetic", "Cosmetic"), ("functional", "Functional"), ("sale_grade", "Sale grade"),
    ("defects", "Defects"), ("locks", "Lock status"), ("hold", "Hold"), ("r2v3", "R2v3 REC"),
    ("grade_matrix", "Grading matrix"), ("wipe_status", "Wipe result"), ("certificate_id", "Certificate"),
    ("photos", "Photos"), ("route", "Route"), ("expected_value", "Expected value"), ("added_at", "Added (UTC)"),
)
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Manifest:
    lot: LotInfo
    rows: list[dict[str, Any]]


def build(ctx: StationContext, code: str) -> Manifest:
    """All rows of the lot, in the order the units were added (five queries, whatever the size)."""
    with ctx.store.reader() as s:
        lot = get(s, code)
        members = s.execute(
            select(Unit, LotUnit.added_at).join(LotUnit, LotUnit.unit_id == Unit.id)
            .where(LotUnit.lot_id == lot.id).order_by(LotUnit.added_at, Unit.id)
        ).all()
        ids = [u.id for u, _ in members]
        other: dict[int, list[str]] = defaultdict(list)
        photos: dict[int, int] = {}
        grades: dict[int, tuple[str | None, str | None]] = {}  # unit id: the latest grade's defects and answers (JSON)
        frp: dict[int, bool] = {}
        walks = crosswalk.load()
        if ids:
            for unit_id, kind, value in s.execute(
                select(UnitIdentifier.unit_id, UnitIdentifier.kind, UnitIdentifier.value)
                .where(UnitIdentifier.unit_id.in_(ids)).order_by(UnitIdentifier.id)
            ):
                other[unit_id].append(f"{kind}:{value}")
            photos = dict(s.execute(
                select(Photo.unit_id, func.count()).where(Photo.unit_id.in_(ids)).group_by(Photo.unit_id)
            ).all())
            latest = select(func.max(Grade.id)).where(Grade.unit_id.in_(ids)).group_by(Grade.unit_id)
            for unit_id, defects, answers in s.execute(
                    select(Grade.unit_id, Grade.defects, Grade.answers).where(Grade.id.in_(latest))):
                grades[unit_id] = (defects, answers)
            for unit_id, flag in s.execute(select(PhoneCheck.unit_id, PhoneCheck.frp_account)
                                           .where(PhoneCheck.unit_id.in_(ids)).order_by(PhoneCheck.id)):
                frp[unit_id] = bool(flag)
        rows = []
        for u, added_at in members:
            shown = {f"serial:{u.serial}", f"imei:{u.imei}"}
            defects_json, answers_json = grades.get(u.id, (None, None))
            f = Facts.from_json(u, defects_json, answers_json, frp.get(u.id, False))
            r2 = (walks.apply(u.device_class, u.cosmetic_grade, u.functional_code, defects=f.defects,
                              sanitized=u.wipe_status == "sanitized")["r2v3"]
                  if u.cosmetic_grade and u.functional_code else None)
            rows.append({
                "lot": lot.code, "unit": u.uid, "device_class": u.device_class, "make": u.make, "model": u.model,
                "serial": u.serial, "imei": u.imei,
                "identifiers": "; ".join(i for i in other[u.id] if i not in shown),
                "cosmetic": u.cosmetic_grade, "functional": u.functional_code, "sale_grade": u.sale_grade,
                "defects": ", ".join(f.defects) or "none", "locks": f.locks,
                "hold": (("OVERRIDDEN by a supervisor: " if gate_overridden(s, u) else "")
                         + "; ".join(g.reason for g in held)) if (held := gates(f)) else None,
                "r2v3": f"{r2['functional']} / {r2['cosmetic']}" if r2 else None,
                "grade_matrix": u.grade_matrix, "wipe_status": u.wipe_status, "certificate_id": u.certificate_id,
                "photos": photos.get(u.id, 0), "route": u.route, "expected_value": u.expected_value,
                "added_at": added_at,
            })
        return Manifest(_info(s, lot), rows)


def write_csv(m: Manifest, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([title for _, title in COLUMNS])
        for row in m.rows:
            w.writerow(["" if (v := row[k]) is None else neutralise(v) if isinstance(v, str) else v
                        for k, _ in COLUMNS])


def write_xlsx(m: Manifest, path: Path, station_id: str = "") -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Manifest"
    ws.append([title for _, title in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in m.rows:
        ws.append([row[k] for k, _ in COLUMNS])
        for cell in ws[ws.max_row]:
            # openpyxl makes text starting with "=" a formula: free text (a model, a hold
            # reason) goes out as a string cell, and quotePrefix keeps an edit from evaluating it.
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_LEADS):
                cell.data_type = "s"
                cell.quotePrefix = True
    ws.freeze_panes = "A2"
    last = get_column_letter(len(COLUMNS))
    ws.auto_filter.ref = f"A1:{last}{max(len(m.rows) + 1, 1)}"
    value_col = get_column_letter([k for k, _ in COLUMNS].index("expected_value") + 1)
    for cell in ws[value_col][1:]:
        cell.number_format = "#,##0.00"
    for i, (key, title) in enumerate(COLUMNS, 1):
        width = max([len(title), *(len(str(r[key] or "")) for r in m.rows[:500])])
        ws.column_dimensions[get_column_letter(i)].width = min(width + 2, 60)
    summary = wb.create_sheet("Lot")
    total = sum(r["expected_value"] or 0 for r in m.rows)
    for label, value in (("Lot", m.lot.code), ("Rule", m.lot.rule), ("Status", m.lot.status),
                         ("Units", len(m.rows)), ("Expected value", total), ("Created (UTC)", m.lot.created_at),
                         ("Exported (UTC)", clock.iso()), ("Station", station_id)):
        summary.append([label, value])
        summary.cell(summary.max_row, 1).font = Font(bold=True)
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["B"].width = 40
    wb.save(path)


def export(ctx: StationContext, code: str, fmt: str, out: Path) -> Manifest:
    """Write the manifest of lot `code` to `out` as csv or xlsx."""
    if fmt not in FORMATS:
        raise UserFacingError(_("'{fmt}' is not a manifest format; use csv or xlsx.").format(fmt=fmt))
    m = build(ctx, code)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            write_csv(m, out)
        else:
            write_xlsx(m, out, ctx.station_id)
    except OSError as exc:
        raise UserFacingError(_("The manifest could not be written to {out} ({strerror}); choose another "
                                "folder or free some space.").format(out=out, strerror=exc.strerror)) from exc
    return m

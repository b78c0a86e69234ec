"""The shift PDF: whole certificate ids, any operator name, every unit on the pages."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from station import clock, events, kpis, operators, shifts, units
from station.context import Operator, open_station
from station.reports import shift_pdf, shift_rows

START = datetime(2026, 11, 23, 5, tzinfo=UTC)  # 06:00 in Berlin
CERT = "C-20261123-7QK2M9XJ4P"  # 21 characters


def test_pdf_has_whole_ids_any_name_and_every_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "station.toml").write_text('[station]\ntimezone = "Europe/Berlin"\n')
    ctx = open_station(data)
    now = [START]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    odd = operators.add(ctx, "Ann & <Bob> Zoë", "technician", pin="1111")
    ctx.operator = Operator(odd.id, odd.name, "technician")
    uids = []
    for i in range(120):  # more than one page of units
        now[0] = START + timedelta(minutes=2 * i)
        with ctx.store.session() as s:
            u = units.create(s, ctx.actor, {"serial": f"S{i}"}, device_class="phone", model="Pixel 7")
            units.touch(u, certificate_id=CERT if i == 0 else None, wipe_status="sanitized", sale_grade="B",
                        route="resell_retail", expected_value=10.0, stage="finished", finished_at=clock.iso())
            events.append(s, ctx.actor, "unit.finished", {}, u)
            uids.append(u.uid)
    w = shifts.Window(START, START + timedelta(hours=8))
    log = shift_rows.shift_log(ctx, w, "ann & <bob> zoë")  # any spelling, markup characters and all
    assert len(log.rows) == 120
    out = shift_pdf.write_pdf(log, kpis.compute(ctx, w, now=w.end), tmp_path / "r.pdf", station="bench <1> & co")
    ctx.close()
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert CERT in text
    assert "operator ann & <bob> zoë" in text and "bench <1> & co" in text
    assert text.count("Ann & <Bob> Zoë") >= 121  # every unit's row, and the technicians table
    assert all(uid in text for uid in uids)
    assert "120 units" in text and "1,200.00" in text  # the totals row
    pages = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert int(pages.split("Pages:")[1].split()[0]) >= 3


def test_the_shift_pdf_speaks_the_sites_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It followed the exporting supervisor's interface language, where labels and certificates follow the site's
    (site.language). And Helvetica has no ą ę ł ś ż: the Polish report printed a black box for each."""
    from station import i18n
    from station.ui.panels.supervisor import export_shift

    data = tmp_path / "data"
    data.mkdir()
    (data / "station.toml").write_text('[site]\nlanguage = "pl"\n')
    ctx = open_station(data)
    monkeypatch.setattr(clock, "now", lambda: START)
    op = operators.add(ctx, "Łukasz Żółć", "technician", pin="1111")
    ctx.operator = Operator(op.id, op.name, "technician")
    with ctx.store.session() as s:
        u = units.create(s, ctx.actor, {"serial": "S1"}, device_class="phone", model="Pixel 7")
        events.append(s, ctx.actor, "unit.finished", {}, u)
    try:
        i18n.use("es")  # the supervisor's desktop
        export_shift(ctx, "pdf", tmp_path / "r.pdf")
        assert i18n._("Summary") == "Resumen"  # the interface kept its own language
    finally:
        i18n.use("en")
    ctx.close()
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for words in ("Raport zmiany", "Urządzenia przyjęte", "Zakończono", "Łukasz Żółć", "1 urządzenie", "strona 1"):
        assert words in text, (words, text[:1500])
    assert "Informe de turno" not in text and "Resumen" not in text, text[:1500]

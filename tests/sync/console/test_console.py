"""The web console over HTTP: sign-in with the supervisors the hub publishes, roles, CSRF, every page,
downloads, and site scoping."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from tests.sync.console.conftest import IMEI, signed_in

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


def test_sign_in_needs_the_published_pin_and_the_forms_csrf(browser):
    assert browser.get("/console/dashboard").headers["location"] == "/console/sign-in"
    form = browser.get("/console/sign-in")
    csrf = browser.csrf(form.text)
    pre = form.headers["set-cookie"].lower()
    assert "secure" in pre and "httponly" in pre and "samesite=strict" in pre
    forged = browser.post("/console/sign-in", data={"login": "Ada Admin", "secret": "111111", "csrf": "x" * 20})
    assert forged.status_code == 403
    wrong = browser.post("/console/sign-in", data={"login": "Ada Admin", "secret": "999999", "csrf": csrf})
    assert wrong.headers["location"] == "/console/sign-in?failed=1"
    tech = browser.sign_in("Tess", "444444")  # a technician has no console role
    assert tech.headers["location"] == "/console/sign-in?failed=1"
    ok = browser.sign_in("SUP-0", "111111")  # by badge, too
    assert ok.status_code == 303
    cookie = next(c for c in ok.headers.get_list("set-cookie") if c.startswith("hub_console="))
    assert all(flag in cookie.lower() for flag in ("secure", "httponly", "samesite=strict", "path=/console"))
    page = browser.get("/console/units")
    assert page.status_code == 200 and "Ada Admin" in page.text
    # signing out is a form post: without the session's CSRF token it is refused
    assert browser.post("/console/sign-out", data={"csrf": "forged"}).status_code == 403
    assert browser.post("/console/sign-out", data={"csrf": browser.csrf(page.text)}).status_code == 303
    assert browser.get("/console/units").headers["location"] == "/console/sign-in"


def test_admin_sees_every_page_across_sites(fleet):
    admin = signed_in(fleet, "Ada Admin")
    dash = admin.get("/console/dashboard", params={"hours": 24})
    assert dash.status_code == 200 and 'hx-trigger="every 10s"' in dash.text
    assert "bench-n" in dash.text and "bench-s" in dash.text and "north" in dash.text
    kpis = admin.get("/console/dashboard/kpis", params={"hours": 24})
    assert kpis.status_code == 200 and "<html" not in kpis.text and "wipe pass rate" in kpis.text
    units = admin.get("/console/units", params={"q": IMEI}).text
    assert "bench-n" in units and "bench-s" in units and fleet.cert_id in units
    assert f"/console/photos/{fleet.photo}" in units
    assert admin.get(f"/console/photos/{fleet.photo}").status_code == 200
    certs = admin.get("/console/certificates", params={"q": fleet.cert_id}).text
    assert f"/console/certificates/bench-n/{fleet.cert_id}.pdf" in certs
    pdf = admin.get(f"/console/certificates/bench-n/{fleet.cert_id}.pdf")
    assert pdf.content == fleet.cert_pdf and pdf.headers["content-type"] == "application/pdf"
    assert admin.get(f"/console/certificates/bench-n/{fleet.cert_id}.json").content == fleet.cert_json
    stations = admin.get("/console/stations", params={"doc": "operators/supervisors"}).text
    for expected in ("bench-n", "bench-s", "https://hub.example/verify", "operators/supervisors", "History of"):
        assert expected in stations
    assert "pin_hash" not in stations and "scrypt" not in stations


def test_shift_export_downloads_in_every_format_from_the_stations_writers(fleet):
    admin = signed_in(fleet, "Ada Admin")
    now = datetime.now(UTC)
    window = {"start": (now - timedelta(hours=2)).isoformat(), "end": (now + timedelta(hours=1)).isoformat()}
    assert "Shift log export" in admin.get("/console/export").text
    got = admin.get("/console/export/download", params={**window, "fmt": "csv"})
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(got.text)))
    assert rows[0][0].lstrip("\ufeff") == "Station" and any("bench-s" in r for r in rows)
    north = admin.get("/console/export/download", params={**window, "fmt": "xlsx", "site": "north"})
    sheet = openpyxl.load_workbook(io.BytesIO(north.content)).worksheets[0]
    stations = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "bench-n" in stations and "bench-s" not in stations
    pdf = admin.get("/console/export/download", params={**window, "fmt": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    bad = admin.get("/console/export/download", params={**window, "start": "2026-01-01T00:00", "fmt": "csv"})
    assert bad.status_code == 422


def test_roles_and_sites_refuse_what_is_not_theirs(fleet):
    manager = signed_in(fleet, "Sam North")
    assert "Sam North" in manager.get("/console/dashboard").text
    assert manager.get("/console/dashboard", params={"site": "south"}).status_code == 403
    assert manager.get("/console/stations").status_code == 403
    units = manager.get("/console/units", params={"q": IMEI}).text
    assert "bench-n" in units and "bench-s" not in units
    now = datetime.now(UTC)
    window = {"start": (now - timedelta(hours=2)).isoformat(), "end": (now + timedelta(hours=1)).isoformat()}
    assert manager.get("/console/export/download", params={**window, "fmt": "csv", "site": "south"}).status_code == 403
    mine = manager.get("/console/export/download", params={**window, "fmt": "csv"}).text
    assert "bench-n" in mine and "bench-s" not in mine
    auditor = signed_in(fleet, "Aud Itor")
    assert auditor.get("/console/").headers["location"] == "/console/units"
    for page in ("/console/dashboard", "/console/stations", "/console/export"):
        refused = auditor.get(page)
        assert refused.status_code == 403 and "auditor cannot open this page" in refused.text
    assert auditor.get("/console/certificates", params={"q": fleet.cert_id}).status_code == 200


def test_console_roles_in_an_operators_document_are_checked_at_publish():
    from station.errors import ConfigError
    from station.sync import documents

    ok = [{"badge": "S1", "name": "Sue", "role": "supervisor", "console": "site_manager", "site": "north"}]
    documents.check("operators", "sup", json.dumps(ok))
    for bad, says in (
        ({"badge": "T1", "name": "Tim", "console": "admin"}, "for supervisors"),
        ({"badge": "S2", "name": "Sid", "role": "supervisor", "console": "root"}, "one of site_manager"),
        ({"badge": "S3", "name": "Sal", "role": "supervisor", "console": "site_manager"}, "needs the 'site'"),
    ):
        with pytest.raises(ConfigError, match=says):
            documents.check("operators", "sup", json.dumps([bad]))

"""The console and /verify in Debian's chromium (headless): what a manager, an auditor and a customer with a
certificate's QR code actually get, pages, scripts, cookies and downloads included.

One browser for the module, against its own hub process on the session's console database (its own rate
limiter, so the API tests' bursts on /verify do not spill over). Set CONSOLE_SCREENSHOTS=docs/console to
refresh the screenshots in the docs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from station import __version__, units
from station.sync import run_once
from tests.sync.console import browser
from tests.sync.console.browser import download_to, downloaded, shot, wait
from tests.sync.console.conftest import ACCOUNTS, IMEI, Fleet
from tests.sync.console.test_verify import _tampered
from tests.sync.factory import ThreadHub

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def web(fleet: Fleet) -> Iterator[str]:
    hub = ThreadHub(fleet.database_url, s3=fleet.s3)
    hub.app.state.console_refresh_s = 1  # hub.console_refresh_s: the dashboard test waits 1 s for a refresh, not 10
    hub.start()
    yield hub.url
    hub.stop()


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    driver = browser.start(tmp_path_factory.mktemp("downloads"))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def signed_out(chrome: Chrome, web: str) -> Chrome:
    chrome.get(web + "/verify")  # cookies are per origin: be on it to drop them
    chrome.delete_all_cookies()
    return chrome


def text(driver: Chrome) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def sign_in(driver: Chrome, web: str, name: str, secret: str | None = None) -> None:
    driver.get(web + "/console/sign-in")
    driver.find_element(By.NAME, "login").send_keys(name)
    driver.find_element(By.NAME, "secret").send_keys(secret or ACCOUNTS[name][0])
    driver.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    wait(lambda: "/sign-in" not in driver.current_url or driver.find_elements(By.CSS_SELECTOR, "[role=alert]"))


def test_sign_in_refuses_a_wrong_pin_and_takes_the_right_one(signed_out, web):
    signed_out.get(web + "/console/dashboard")
    assert signed_out.current_url == web + "/console/sign-in"
    sign_in(signed_out, web, "Ada Admin", "999999")
    alert = signed_out.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert "do not match a console account" in alert and signed_out.current_url.endswith("failed=1")
    shot(signed_out, "sign-in-failed")
    sign_in(signed_out, web, "Ada Admin")
    assert signed_out.current_url == web + "/console/dashboard"
    assert "Ada Admin" in signed_out.find_element(By.CSS_SELECTOR, "header .who").text
    cookie = signed_out.get_cookie("hub_console")
    assert cookie and cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert signed_out.execute_script("return document.cookie") == ""  # HttpOnly: no script reads the session
    signed_out.find_element(By.CSS_SELECTOR, "header .who button").click()
    wait(lambda: signed_out.current_url.endswith("/console/sign-in"))
    signed_out.get(web + "/console/units")
    assert signed_out.current_url == web + "/console/sign-in"


def test_dashboard_refreshes_itself_when_a_station_syncs(signed_out, web, fleet):
    sign_in(signed_out, web, "Ada Admin")
    signed_out.get(web + "/console/dashboard?hours=24")
    touched = int(signed_out.find_element(By.ID, "kpi-touched").text)
    assert touched >= 2 and "bench-s" in signed_out.find_element(By.ID, "kpis").text
    shot(signed_out, "dashboard")
    signed_out.execute_script("window.stayed = true")  # gone if the page reloads instead of swapping figures in
    ctx = fleet.stations["bench-s"]
    with ctx.store.session() as s:
        units.create(s, ctx.actor, {"imei": "490154203237518"}, device_class="phone")
    assert run_once(ctx).ok
    # read in one script call: htmx may swap the element out between a lookup and a read
    now = "return document.getElementById('kpi-touched').textContent"
    wait(lambda: int(signed_out.execute_script(now)) == touched + 1, timeout=15)
    assert 'hx-trigger="every 1s"' in signed_out.page_source
    assert signed_out.execute_script("return window.stayed") is True


def test_unit_search_shows_history_photos_and_certificates(signed_out, web, fleet):
    sign_in(signed_out, web, "Ada Admin")
    signed_out.get(web + "/console/units")
    box = signed_out.find_element(By.NAME, "q")
    box.send_keys(IMEI)
    box.submit()
    wait(lambda: "History across stations" in text(signed_out))
    history = signed_out.find_elements(By.XPATH, "//h2[.='History across stations']/following-sibling::table[1]//tr")
    assert {r.find_elements(By.TAG_NAME, "td")[1].text for r in history[1:]} == {"bench-n", "bench-s"}
    assert any(r.find_elements(By.TAG_NAME, "td")[3].text == "certificate.issued" for r in history[1:])
    assert signed_out.find_element(By.LINK_TEXT, fleet.cert_id).get_attribute("href").endswith(
        f"/console/certificates?q={fleet.cert_id}")
    img = signed_out.find_element(By.CSS_SELECTOR, ".photos img")
    signed_out.execute_script("arguments[0].scrollIntoView()", img)
    assert wait(lambda: signed_out.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img))
    signed_out.execute_script("window.scrollTo(0, 0)")
    shot(signed_out, "units")


def test_certificate_search_and_download(signed_out, web, fleet, tmp_path):
    sign_in(signed_out, web, "Aud Itor")
    folder = download_to(signed_out, tmp_path)
    signed_out.get(web + "/console/certificates")
    box = signed_out.find_element(By.NAME, "q")
    box.send_keys(fleet.cert_id)
    box.submit()
    row = wait(lambda: signed_out.find_elements(By.XPATH, f"//tr[td/a[.='{fleet.cert_id}']]"))[0]
    assert "bench-n" in row.text and "sanitized" in row.text
    shot(signed_out, "certificates")
    row.find_element(By.LINK_TEXT, "PDF").click()
    assert downloaded(folder, ".pdf").read_bytes() == fleet.cert_pdf
    row.find_element(By.LINK_TEXT, "JSON").click()
    assert downloaded(folder, ".json").read_bytes() == fleet.cert_json


def test_shift_export_downloads_the_log_from_the_form(signed_out, web, tmp_path):
    sign_in(signed_out, web, "Sam North")
    folder = download_to(signed_out, tmp_path)
    signed_out.get(web + "/console/export")
    now = datetime.now(UTC)
    signed_out.find_element(By.ID, "start").send_keys((now - timedelta(hours=2)).isoformat(timespec="minutes"))
    signed_out.find_element(By.ID, "end").send_keys((now + timedelta(hours=1)).isoformat(timespec="minutes"))
    Select(signed_out.find_element(By.NAME, "fmt")).select_by_visible_text("CSV")
    sites = [o.text for o in Select(signed_out.find_element(By.NAME, "site")).options]
    assert sites == ["north"]  # a site manager exports their own site
    shot(signed_out, "export")
    signed_out.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    got = downloaded(folder, ".csv")
    assert got.name.startswith("shift-north-")
    rows = list(csv.reader(io.StringIO(got.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Station" and {r[0] for r in rows[1:]} == {"bench-n"}


def test_stations_page_shows_stations_sites_tokens_and_document_history(signed_out, web):
    sign_in(signed_out, web, "Ada Admin")
    signed_out.get(web + "/console/stations")
    rows = {r.find_element(By.TAG_NAME, "td").text: [c.text for c in r.find_elements(By.TAG_NAME, "td")]
            for r in signed_out.find_elements(By.CSS_SELECTOR, "#stations tr")[1:]}
    assert set(rows) >= {"bench-n", "bench-s"}
    assert rows["bench-n"][1:3] == ["north", __version__] and rows["bench-n"][4] == "0"  # version, nothing queued
    signed_out.find_element(By.LINK_TEXT, "operators/supervisors").click()
    wait(lambda: "History of operators/supervisors" in text(signed_out))
    assert "https://hub.example/verify" in text(signed_out) and "pin_hash" not in signed_out.page_source
    signed_out.execute_script("window.scrollTo(0, 0)")
    shot(signed_out, "stations")


def test_an_auditor_cannot_reach_admin_or_manager_pages(signed_out, web):
    sign_in(signed_out, web, "Aud Itor")
    assert signed_out.current_url == web + "/console/units"
    nav = {a.text for a in signed_out.find_elements(By.CSS_SELECTOR, "header a")}
    assert nav == {"Units", "Certificates"}
    for path in ("/console/stations", "/console/dashboard", "/console/export"):
        signed_out.get(web + path)
        assert "An auditor cannot open this page." in text(signed_out), path
    shot(signed_out, "refused")


def test_verify_page_shows_a_genuine_certificate_and_catches_a_tampered_upload(signed_out, web, fleet, tmp_path):
    signed_out.get(f"{web}/verify/{fleet.cert_id}")
    assert signed_out.find_element(By.ID, "verdict").text.startswith("Genuine")
    assert "SN123" in text(signed_out) and not signed_out.find_elements(By.CSS_SELECTOR, "header .who")
    shot(signed_out, "verify-genuine")
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(_tampered(fleet.cert_json))
    genuine = tmp_path / "certificate.pdf"
    genuine.write_bytes(fleet.cert_pdf)
    for path, verdict in ((tampered, "Not verified"), (genuine, "Genuine")):
        signed_out.find_element(By.NAME, "file").send_keys(str(path))
        signed_out.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait(lambda: signed_out.current_url == web + "/verify")
        assert signed_out.find_element(By.ID, "verdict").text.startswith(verdict), path
        if verdict == "Not verified":
            assert "FAIL" in text(signed_out) and "SN999" in text(signed_out)
            shot(signed_out, "verify-tampered")


def test_the_browser_is_debians_chromium(chrome):
    chrome.get("chrome://version")
    assert "/usr/lib/chromium/chromium" in text(chrome)  # the executable path: not a downloaded browser

"""The verification address recorded for a site reaches that site's stations (a `site` configuration document
the hub writes and shows to them only), and their certificates' QR codes open it."""

from __future__ import annotations

import subprocess

import cv2
import httpx
import pytest

from station.certs import certificate
from station.sync import run_once
from station.sync.hub import auth, sites
from tests.erase.test_certificate import result

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def _qr(pdf: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(tmp_path / "c.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    text, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(cv2.imread(str(next(tmp_path.glob("page*.png")))))
    return str(text)


def test_a_sites_verify_address_reaches_its_stations_qr_codes(hub, hub_store, make_station, tmp_path):
    def site(name: str, url: str) -> None:  # what 'station hub site NAME --verify-url URL' does
        with hub_store.session() as s:
            sites.ensure(s, name, url)

    site("north", "https://north.example/verify")
    site("south", "https://south.example/verify")
    with hub_store.session() as s:
        token = auth.create_station(s, "bench-n", site="north")
    ctx = make_station("bench-n", hub.url, token)
    ctx.config.set("cert.verify_url", "https://old.example/verify")  # the station's own setting, before the hub's
    headers = {"Authorization": f"Bearer {token}"}
    index = httpx.get(hub.url + "/v1/config", headers=headers).json()["documents"]
    assert [(d["kind"], d["name"]) for d in index if d["kind"] == "site"] == [("site", "north")]
    assert httpx.get(hub.url + "/v1/config/site/south", headers=headers).status_code == 404  # another site's
    assert run_once(ctx).ok

    issued = certificate.issue(ctx, result(), None)
    assert issued.pdf_path is not None
    assert _qr(issued.pdf_path.read_bytes(), tmp_path) == f"https://north.example/verify/{issued.id}"

    # the address moves: the next pull carries it; cleared, the station's own setting rules again
    site("north", "https://verify.north.example/v")
    assert run_once(ctx).ok
    with ctx.store.session() as s:
        assert certificate.verify_url(s, ctx) == "https://verify.north.example/v"
    site("north", "")
    assert run_once(ctx).ok
    with ctx.store.session() as s:
        assert certificate.verify_url(s, ctx) == "https://old.example/verify"


def test_a_site_document_is_checked_at_publish():
    from station.errors import ConfigError
    from station.sync import documents

    documents.check("site", "north", 'verify_url = "https://hub.example/verify"\n')
    for body, says in (('verify_url = "ftp://x"\n', "not a usable verification address"),
                       ('verify_url = "https://x"\nextra = 1\n', "exactly one key"),
                       ("verify_url = [", "not valid TOML")):
        with pytest.raises(ConfigError, match=says):
            documents.check("site", "north", body)

"""One hub for all console tests (built once: about 8 s): two sites, two synced stations, a real certificate, and
console accounts published the way supervisors reach stations (an operators document)."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from station import events, units
from station.certs import certificate
from station.context import StationContext, open_station
from station.operators import hash_pin
from station.sync import run_once
from station.sync.hub import auth, configdocs, sites
from station.sync.hub.db import HubStore
from station.sync.hub.objects import S3Settings
from tests.erase.test_certificate import result
from tests.sync.factory import ThreadHub, write_station_config

IMEI = "356938035643809"
ACCOUNTS = {  # name: (PIN, console role, site)
    "Ada Admin": ("111111", "admin", None),
    "Sam North": ("222222", "site_manager", "north"),
    "Aud Itor": ("333333", "auditor", None),
}
_n = itertools.count()


def _jpeg_photo(ctx: StationContext) -> str:
    """A real JPEG (a browser must decode it) stored where the station keeps its photos."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (70, 90, 120))
    ImageDraw.Draw(img).rounded_rectangle((100, 20, 220, 220), radius=18, fill=(25, 25, 30), outline=(200, 200, 210))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    sha = hashlib.sha256(out.getvalue()).hexdigest()
    path = ctx.data.blobs / sha[:2] / f"{sha}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return sha


@dataclass
class Fleet:
    url: str
    cert_id: str
    cert_json: bytes
    cert_pdf: bytes
    photo: str
    store: HubStore
    database_url: str
    s3: S3Settings
    stations: dict[str, StationContext]


@pytest.fixture(scope="session")
def fleet(pg, hub_template, seaweed, tmp_path_factory) -> Iterator[Fleet]:  # type: ignore[no-untyped-def]
    name = f"console_{next(_n)}"
    url = pg.create_database(name, template=hub_template)
    store = HubStore(url, pool_size=2)
    s3 = seaweed.settings(prefix=name + "/")
    hub = ThreadHub(url, s3=s3).start()
    roster = [{"badge": f"SUP-{i}", "name": name, "role": "supervisor", "pin_hash": hash_pin(pin), "console": role,
               **({"site": site} if site else {})} for i, (name, (pin, role, site)) in enumerate(ACCOUNTS.items())]
    roster.append({"badge": "TECH-1", "name": "Tess", "role": "technician", "pin_hash": hash_pin("444444")})
    with store.session() as s:
        sites.ensure(s, "north", "https://hub.example/verify")
        sites.ensure(s, "south")
        tokens = {name: auth.create_station(s, name, site=site) for name, site in (("bench-n", "north"),
                                                                                 ("bench-s", "south"))}
        configdocs.publish(s, "operators", "supervisors", json.dumps(roster))
    root = tmp_path_factory.mktemp("console")
    opened: dict[str, StationContext] = {}
    for name in ("bench-n", "bench-s"):
        write_station_config(root / name, name, hub.url, tokens[name])
        ctx = open_station(root / name)
        opened[name] = ctx
        with ctx.store.session() as s:
            uid = units.create(s, ctx.actor, {"imei": IMEI}, device_class="phone").uid
        if name == "bench-n":
            ctx.config.set("org.name", "Acme Recycling")
            issued = certificate.issue(ctx, result(), uid)
            assert issued.pdf_path is not None
            photo = _jpeg_photo(ctx)
            with ctx.store.session() as s:
                events.enqueue_blob(s, photo)
                events.append(s, ctx.actor, "photo.captured", {"sha256": photo, "stage": "intake", "shot": "front"},
                              units.by_uid(s, uid))
        assert run_once(ctx).ok
    yield Fleet(hub.url, issued.id, issued.json_path.read_bytes(), issued.pdf_path.read_bytes(), photo, store, url, s3,
                opened)
    for ctx in opened.values():
        ctx.close()
    hub.stop()
    store.close()


class Browser:
    """An httpx client that keeps the console's Secure cookie over the tests' plain http, as a browser does
    for 127.0.0.1."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
        self.cookies: dict[str, str] = {}

    def _keep(self, r: httpx.Response) -> httpx.Response:
        for header in r.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ('""', "") or "Max-Age=0" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return r

    def _headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def get(self, path: str, **kw: object) -> httpx.Response:
        return self._keep(self.http.get(path, headers=self._headers(), **kw))  # type: ignore[arg-type]

    def post(self, path: str, **kw: object) -> httpx.Response:
        return self._keep(self.http.post(path, headers=self._headers(), **kw))  # type: ignore[arg-type]

    def csrf(self, html: str) -> str:
        m = re.search(r'name="csrf" value="([^"]+)"', html)
        assert m, html[:500]
        return m.group(1)

    def sign_in(self, login: str, secret: str) -> httpx.Response:
        form = self.get("/console/sign-in")
        return self.post("/console/sign-in", data={"login": login, "secret": secret, "csrf": self.csrf(form.text)})

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def browser(fleet: Fleet) -> Iterator[Browser]:
    b = Browser(fleet.url)
    yield b
    b.close()


def signed_in(fleet: Fleet, name: str) -> Browser:
    b = Browser(fleet.url)
    r = b.sign_in(name, ACCOUNTS[name][0])
    assert r.status_code == 303 and r.headers["location"] == "/console/", r.text
    return b


"""Sites: stations and reader tokens belong to a site, and a site's reader sees that site only."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from station import clock, events, units
from station.cli import main
from station.sync import run_once

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
IMEI = "356938035643809"


@pytest.fixture
def two_sites(hub, hub_db, make_station, capsys, tmp_path):
    """bench-n at site north and bench-s at site south handled the same phone; a reader per site and one for all."""
    base = ["--data-dir", str(tmp_path / "hubhost"), "hub", "--database-url", hub_db]
    assert main([*base, "site", "north", "--verify-url", "https://hub.example/verify"]) == 0
    assert main([*base, "site", "south"]) == 0
    capsys.readouterr()
    tokens = {}
    for name, site in (("bench-n", "north"), ("bench-s", "south")):
        assert main([*base, "create-station", name, "--site", site]) == 0
        tokens[name] = capsys.readouterr().out.strip()
    for name, site in (("north-reader", "north"), ("all-reader", None)):
        assert main([*base, "create-reader", name, *(["--site", site] if site else [])]) == 0
        tokens[name] = capsys.readouterr().out.strip()
    for name, cert in (("bench-n", "CERT-N"), ("bench-s", "CERT-S")):
        ctx = make_station(name, hub.url, tokens[name])
        with ctx.store.session() as s:
            u = units.create(s, ctx.actor, {"imei": IMEI, "serial": "R58SHARED"}, device_class="phone")
            events.append(s, ctx.actor, "certificate.issued", {
                "certificate_id": cert, "serial": "R58SHARED", "sanitized": True, "sha256": "ab" * 32}, u)
        assert run_once(ctx).ok
    clients = {k: httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {tokens[k]}"})
               for k in ("north-reader", "all-reader")}
    yield clients
    for c in clients.values():
        c.close()


def test_a_site_reader_sees_its_site_only(two_sites):
    north, everyone = two_sites["north-reader"], two_sites["all-reader"]
    history = north.get("/v1/units/history", params={"value": IMEI}).json()
    assert {u["station"] for u in history["units"]} == {"bench-n"}
    assert {e["station"] for e in history["events"]} == {"bench-n"}
    assert {u["station"] for u in everyone.get("/v1/units/history", params={"value": IMEI}).json()["units"]} == {
        "bench-n", "bench-s"}
    assert [c["id"] for c in north.get("/v1/certificates", params={"serial": "R58SHARED"}).json()] == ["CERT-N"]
    assert north.get("/v1/certificates/CERT-S").status_code == 404
    assert everyone.get("/v1/certificates/CERT-S").status_code == 200
    summary = north.get("/v1/summary/stations").json()
    assert [(r["station"], r["site"]) for r in summary] == [("bench-n", "north")]
    assert {r["station"] for r in everyone.get("/v1/summary/stations").json()} == {"bench-n", "bench-s"}
    now = clock.now()
    shifts = north.get("/v1/summary/shifts", params={"day": now.date().isoformat(), "boundaries": "00:00"}).json()
    assert {st["station"] for sh in shifts for st in sh["stations"]} == {"bench-n"}
    window = {"start": (now - timedelta(hours=1)).isoformat(), "end": (now + timedelta(hours=1)).isoformat()}
    assert {r["station"] for r in north.get("/v1/export/shift", params=window).json()["rows"]} == {"bench-n"}
    assert {r["station"] for r in everyone.get("/v1/export/shift", params=window).json()["rows"]} == {
        "bench-n", "bench-s"}
    assert north.get("/v1/stations/bench-s/verify").status_code == 404
    assert north.get("/v1/stations/bench-n/verify").json()["ok"] is True


def test_sites_cli_lists_and_moves_stations(two_sites, hub_db, capsys, tmp_path):
    base = ["--data-dir", str(tmp_path / "hubhost"), "hub", "--database-url", hub_db]
    assert main([*base, "site", "north", "--station", "bench-s"]) == 0
    capsys.readouterr()
    assert main([*base, "sites"]) == 0
    listed = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "bench-n, bench-s" in listed["north"] and "https://hub.example/verify" in listed["north"]
    north = two_sites["north-reader"]
    assert {u["station"] for u in north.get("/v1/units/history", params={"value": IMEI}).json()["units"]} == {
        "bench-n", "bench-s"}
    assert main([*base, "create-reader", "x", "--site", "nowhere"]) == 2
    assert "No site named 'nowhere'" in capsys.readouterr().err
    assert main([*base, "site", "bad", "--verify-url", "ftp://x"]) == 2

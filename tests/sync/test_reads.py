"""Read endpoints for supervisors: unit history by serial/IMEI, certificates, summaries, chain checks."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from station import clock, events, units
from station.sync import run_once
from tests.sync.factory import add_events

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


@pytest.fixture
def readers(hub, tokens, make_station):
    """Two stations that handled the same phone, synced; and a reader client."""
    a = make_station("bench-a", hub.url, tokens.station("bench-a"))
    b = make_station("bench-b", hub.url, tokens.station("bench-b"))
    with a.store.session() as s:
        u = units.create(s, a.actor, {"imei": "356938035643809", "serial": "R58M12ABCDE"}, device_class="phone")
        events.append(s, a.actor, "grade.recorded", {"sale_grade": "B+"}, u)
    with b.store.session() as s:
        u = units.create(s, b.actor, {"imei": "356938035643809"}, device_class="phone")
        events.append(s, b.actor, "certificate.issued", {
            "certificate_id": "CERT-0001", "serial": "R58M12ABCDE", "sanitized": True, "sha256": "ab" * 32}, u)
        events.append(s, b.actor, "unit.finished", {}, u)
    add_events(b, 3, kind="label.printed")
    assert run_once(a).ok and run_once(b).ok
    client = httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {tokens.reader('ann')}"})
    yield client
    client.close()


def test_unit_history_by_imei_spans_stations_and_by_serial_finds_its_unit(readers):
    by_imei = readers.get("/v1/units/history", params={"value": "356938035643809"}).json()
    assert {u["station"] for u in by_imei["units"]} == {"bench-a", "bench-b"}
    assert [e["kind"] for e in by_imei["events"] if e["station"] == "bench-b"] == [
        "unit.created", "certificate.issued", "unit.finished"]
    # bench-b never scanned the serial, but its certificate names it: that unit is found too
    by_serial = readers.get("/v1/units/history", params={"value": "R58M12ABCDE", "kind": "serial"}).json()
    assert {u["station"] for u in by_serial["units"]} == {"bench-a", "bench-b"}
    assert {"grade.recorded", "certificate.issued"} <= {e["kind"] for e in by_serial["events"]}
    assert readers.get("/v1/units/history", params={"value": "nothing"}).json()["events"] == []


def test_certificate_by_id_and_by_serial(readers):
    cert = readers.get("/v1/certificates/CERT-0001").json()
    assert cert["station"] == "bench-b" and cert["sanitized"] is True and cert["serial"] == "R58M12ABCDE"
    assert [c["id"] for c in readers.get("/v1/certificates", params={"serial": "R58M12ABCDE"}).json()] == [
        "CERT-0001"]
    assert readers.get("/v1/certificates/CERT-404").status_code == 404


def test_per_station_and_per_shift_summaries(readers):
    stations = {r["station"]: r for r in readers.get("/v1/summary/stations").json()}
    assert stations["bench-a"]["events"] == 2 and stations["bench-a"]["units"] == 1
    assert stations["bench-b"]["by_kind"] == {"unit.created": 1, "certificate.issued": 1, "unit.finished": 1,
                                              "label.printed": 3}
    assert stations["bench-b"]["open_incidents"] == 0 and stations["bench-b"]["head_seq"] == 6
    now = clock.now()
    shifts = readers.get("/v1/summary/shifts", params={"day": now.date().isoformat(), "tz": "UTC",
                                                      "boundaries": "00:00,12:00"}).json()
    current = next(s for s in shifts if clock.parse(s["start"]) <= now < clock.parse(s["end"]))
    assert {st["station"]: st["events"] for st in current["stations"]} == {"bench-a": 2, "bench-b": 6}
    other = next(s for s in shifts if s is not current)
    assert other["stations"] == []
    tomorrow = (now + timedelta(days=1)).date().isoformat()
    later = readers.get("/v1/summary/stations", params={"since": tomorrow}).json()
    assert all(r["events"] == 0 for r in later)
    bad = readers.get("/v1/summary/shifts", params={"day": "2026-01-01", "tz": "Mars/Olympus"})
    assert bad.status_code == 422 and "time zone" in bad.json()["detail"]


def test_shift_windows_follow_local_time_across_midnight():
    from station.sync.hub.queries import shift_windows

    w = shift_windows(datetime(2026, 3, 28).date(), "06:00,14:00,22:00", "Europe/Berlin")
    assert [n for n, _, _ in w] == ["06:00", "14:00", "22:00"]
    assert w[0][1] == datetime(2026, 3, 28, 5, 0, tzinfo=UTC)
    assert w[2][2] == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)  # the night shift ends after the DST change


def test_chain_verification_and_blob_download(readers, hub, tokens, make_station):
    checked = readers.get("/v1/stations/bench-b/verify").json()
    assert checked["ok"] and checked["checked"] == 6
    c = make_station("bench-c", hub.url, tokens.station("bench-c"))
    content = b"%PDF-1.7 certificate bytes" * 100
    sha = hashlib.sha256(content).hexdigest()
    (c.data.blobs / sha).write_bytes(content)
    with c.store.session() as s:
        events.enqueue_blob(s, sha)
    assert run_once(c).blobs_sent == 1
    got = readers.get(f"/v1/blobs/{sha}/content")
    assert got.status_code == 200 and got.content == content
    assert readers.get(f"/v1/blobs/{'0' * 64}/content").status_code == 404


def test_a_second_station_announcing_a_certificate_id_is_an_incident_not_a_silent_drop(hub, tokens,
                                                                                        make_station):
    readers = httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {tokens.reader('ann')}"})
    benches = {name: make_station(name, hub.url, tokens.station(name)) for name in ("bench-x", "bench-real")}
    for name, ctx in benches.items():  # bench-x announces first, the real issuer second
        with ctx.store.session() as s:
            u = units.create(s, ctx.actor, {"serial": f"SER-{name}"}, device_class="drive")
            events.append(s, ctx.actor, "certificate.issued", {
                "certificate_id": "CERT-DUP", "serial": f"SER-{name}", "sanitized": True, "sha256": "cd" * 32}, u)
        assert run_once(ctx).ok
    real = readers.get("/v1/certificates/CERT-DUP", params={"station": "bench-real"}).json()
    assert real["serial"] == "SER-bench-real"
    assert readers.get("/v1/certificates/CERT-DUP").status_code == 409
    assert [c["station"] for c in readers.get("/v1/certificates", params={"serial": "SER-bench-real"}).json()] == [
        "bench-real"]
    dup = [i for i in readers.get("/v1/incidents").json() if i["kind"] == "cert_duplicate"]
    assert len(dup) == 1 and dup[0]["station"] == "bench-real" and "bench-x" in dup[0]["detail"]
    readers.close()

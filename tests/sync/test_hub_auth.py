"""Tokens: per station, hashed at rest, revocable; readers read, stations write only as themselves."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import func, select, text

from station.errors import UserFacingError
from station.sync import outbox, run_once, status
from station.sync.client import HubClient, HubRefused
from station.sync.hub import auth
from station.sync.hub.models import HubEvent
from tests.sync.factory import add_events

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def _events(hub_store) -> int:
    with hub_store.session() as s:
        return s.execute(select(func.count()).select_from(HubEvent)).scalar()


def test_wrong_token_is_refused_and_nothing_is_stored(hub, tokens, make_station, hub_store):
    tokens.station("bench-1")
    ctx = make_station("bench-1", hub.url, "sth_not-the-right-token")
    add_events(ctx, 5)
    report = run_once(ctx)
    assert report.state == "refused" and "not known to the hub" in report.errors[0]
    assert _events(hub_store) == 0 and outbox.backlog(ctx.store)["event"] == 5
    st = status(ctx)
    assert st.state == "refused" and st.level == "error" and "refused" in st.text


def test_no_token_gets_401_on_every_write(hub):
    for method, path in (("POST", "/v1/events"), ("PUT", "/v1/blobs/" + "a" * 64 + "?offset=0&total=1"),
                         ("POST", "/v1/blobs/query"), ("GET", "/v1/config")):
        r = httpx.request(method, hub.url + path, json={"station": "x", "events": []})
        assert r.status_code == 401, (method, path, r.text)


def test_revoked_token_stops_writing_and_reading(hub, tokens, make_station, hub_store):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    add_events(ctx, 3)
    assert run_once(ctx).ok
    with hub_store.session() as s:
        assert auth.revoke_station(s, "bench-1") == 1
    add_events(ctx, 2)
    report = run_once(ctx)
    assert report.state == "refused" and "revoked" in report.errors[0]
    assert _events(hub_store) == 3 and outbox.backlog(ctx.store)["event"] == 2
    with pytest.raises(HubRefused):
        HubClient(hub.url, ctx.config["sync.token"]).me()


def test_a_new_token_after_revocation_continues_the_same_chain(hub, tokens, make_station, hub_store):
    old = tokens.station("bench-1")
    with pytest.raises(UserFacingError, match="already has a token"):
        tokens.station("bench-1")
    ctx = make_station("bench-1", hub.url, old)
    add_events(ctx, 3)
    assert run_once(ctx).ok
    with hub_store.session() as s:
        auth.revoke_station(s, "bench-1")
    add_events(ctx, 2)
    assert run_once(ctx).state == "refused"
    ctx.config.set("sync.token", tokens.station("bench-1"))
    report = run_once(ctx)
    assert report.ok and report.events_sent == 2 and _events(hub_store) == 5
    with pytest.raises(HubRefused):
        HubClient(hub.url, old).me()


def test_one_station_cannot_write_as_another(hub, tokens, make_station, hub_store):
    tokens.station("bench-2")
    mine = tokens.station("bench-1")
    impostor = make_station("bench-2", hub.url, mine)  # configured as bench-2, holding bench-1's token
    add_events(impostor, 4)
    report = run_once(impostor)
    assert report.state == "refused" and "belongs to station 'bench-1'" in report.errors[0]
    assert _events(hub_store) == 0
    # also when only one event inside the batch claims another station
    honest = make_station("bench-1", hub.url, mine)
    add_events(honest, 2)
    batch = [outbox.wire(e) for e in outbox.events_from(honest.store, 1, 10)]
    batch[1]["station"] = "bench-2"
    with pytest.raises(HubRefused, match="cannot write as 'bench-2'"):
        HubClient(hub.url, mine).post_events("bench-1", batch)
    assert _events(hub_store) == 0


def test_reader_tokens_read_but_never_write_and_station_tokens_do_not_read_others(hub, tokens):
    reader, station = tokens.reader("supervisor-ann"), tokens.station("bench-1")
    r = httpx.post(hub.url + "/v1/events", json={"station": "bench-1", "events": []},
                   headers={"Authorization": f"Bearer {reader}"})
    assert r.status_code == 403
    r = httpx.put(hub.url + "/v1/blobs/" + "0" * 64, params={"offset": 0, "total": 1}, content=b"x",
                  headers={"Authorization": f"Bearer {reader}"})
    assert r.status_code == 403
    for path in ("/v1/summary/stations", "/v1/units/history?value=SN1", "/v1/incidents"):
        assert httpx.get(hub.url + path, headers={"Authorization": f"Bearer {station}"}).status_code == 403
        assert httpx.get(hub.url + path, headers={"Authorization": f"Bearer {reader}"}).status_code == 200


def test_tokens_are_stored_only_as_hashes(hub_store, tokens):
    plain = [tokens.station("bench-1"), tokens.reader("ann")]
    with hub_store.session() as s:
        dump = " ".join(str(r) for r in s.execute(text("SELECT * FROM tokens")).all())
    for token in plain:
        assert token not in dump and auth.token_hash(token) in dump


def test_the_token_never_reaches_the_log_or_the_status(hub, tokens, make_station, caplog):
    token = tokens.station("bench-1")
    ctx = make_station("bench-1", hub.url, token)
    add_events(ctx, 3)
    caplog.set_level(logging.DEBUG)
    assert run_once(ctx).ok
    bad = make_station("bench-1", hub.url, token + "x")
    run_once(bad)
    client = HubClient(hub.url, token)
    shown = caplog.text + repr(client) + repr(status(ctx)) + repr(status(bad)) + repr(list(ctx.config.items()))
    client.close()
    assert token not in shown and token[:12] not in shown


def test_rotate_token_without_an_outage_then_the_old_one_ends(hub, tokens, make_station, hub_store):
    old = tokens.station("bench-1")
    ctx = make_station("bench-1", hub.url, old)
    add_events(ctx, 2)
    assert run_once(ctx).ok
    with hub_store.session() as s:
        new = auth.rotate_station_token(s, "bench-1", by="sue", grace_hours=24)
    add_events(ctx, 2)
    assert run_once(ctx).events_sent == 2  # still on the old token: no outage
    ctx.config.set("sync.token", new)
    add_events(ctx, 2)
    assert run_once(ctx).events_sent == 2
    with hub_store.session() as s:
        auth.rotate_station_token(s, "bench-1", by="sue", grace_hours=0)  # a third; both earlier ones end now
        rows = {t.token_hash: t for t in auth.list_tokens(s)}
    assert rows[auth.token_hash(new)].created_by == "sue" and rows[auth.token_hash(new)].last_used_at is not None
    with pytest.raises(HubRefused, match="expired"):
        HubClient(hub.url, old).me()
    with pytest.raises(HubRefused, match="expired"):
        HubClient(hub.url, new).me()


def test_a_token_past_its_expiry_is_refused_and_who_made_it_is_recorded(hub, hub_store):
    with hub_store.session() as s:
        reader = auth.create_reader(s, "audit", by="sue", expires_days=1e-9)
        station = auth.create_station(s, "bench-9")  # no --by: the account running the command
        rows = {t.name: t for t in auth.list_tokens(s)}
    assert rows["audit"].created_by == "sue" and rows["bench-9"].created_by.startswith("os:")
    r = httpx.get(f"{hub.url}/v1/incidents", headers={"Authorization": f"Bearer {reader}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    with hub_store.session() as s:
        auth.revoke_station(s, "bench-9", by="ann")
        assert {t.name: t for t in auth.list_tokens(s)}["bench-9"].revoked_by == "ann"
    assert httpx.get(f"{hub.url}/v1/stations/me", headers={"Authorization": f"Bearer {station}"}).status_code == 401

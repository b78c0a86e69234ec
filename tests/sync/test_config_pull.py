"""Configuration published on the hub, pulled and applied by stations, kept when offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from station.grading import library
from station.models import AppliedConfig, Event, Operator
from station.sync import configpull, run_once
from station.sync.hub import configdocs
from tests.sync.test_config_documents import _store_unchecked

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
PHONE = (ROOT / "station/grading/matrices/phone.toml").read_text()
LAYOUT = (ROOT / "station/labels/layouts/2x1in.toml").read_text()
RULES = (ROOT / "station/data/disposition.toml").read_text()


def _publish(hub_store, kind, name, body):
    with hub_store.session() as s:
        return configdocs.publish(s, kind, name, body, by="test")


def _applied(ctx) -> dict[tuple[str, str], AppliedConfig]:
    with ctx.store.reader() as s:
        return {(r.kind, r.name): r for r in s.execute(select(AppliedConfig)).scalars()}


def _bump(matrix_text: str, version: str) -> str:
    lines = [f'version = "{version}"' if ln.startswith("version =") else ln for ln in matrix_text.splitlines()]
    return "\n".join(lines) + "\n"


def test_publish_pull_apply_and_record_the_version(hub, tokens, make_station, hub_store):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    phone_id = library.active(ctx, "phone").id
    newer = _bump(PHONE, "2099.1")
    assert _publish(hub_store, "matrix", phone_id, newer) == (1, True)
    assert _publish(hub_store, "matrix", phone_id, newer) == (1, False)  # same content: no new version
    assert _publish(hub_store, "layout", "2x1in", LAYOUT) == (1, True)
    assert _publish(hub_store, "rules", "default", RULES) == (1, True)
    roster = [{"badge": "OP-1001", "name": "Ann", "role": "supervisor", "pin_hash": "scrypt$1$2$3$c2FsdA==$aGFzaA=="},
              {"badge": "OP-1002", "name": "Bo"}]
    assert _publish(hub_store, "operators", "site", json.dumps(roster)) == (1, True)

    report = run_once(ctx)
    assert report.ok, report.errors
    assert sorted(report.config_applied) == ["layout/2x1in v1", f"matrix/{phone_id} v1", "operators/site v1",
                                             "rules/default v1"]
    applied = _applied(ctx)
    assert applied[("matrix", phone_id)].version == "2099.1" and applied[("matrix", phone_id)].body == newer
    assert applied[("operators", "site")].version == "1"
    # the grading area now grades phones with the pushed version
    assert library.active(ctx, "phone").version == "2099.1"
    # the routing and label areas read the pushed rules and layout from where the pull put them
    from station import disposition_rules
    from station.labels import layout

    pushed_rules = ctx.data.root / "hub" / "rules" / "default.toml"
    assert pushed_rules.read_text() == RULES
    assert disposition_rules.for_config(ctx.config).version == disposition_rules.parse(RULES, "x").version
    assert layout.for_config(ctx.config)["2x1in"] == ctx.data.root / "hub" / "layouts" / "2x1in.toml"
    with ctx.store.reader() as s:
        ops = {o.badge: o for o in s.execute(select(Operator)).scalars()}
        events = [json.loads(e.payload) for e in s.execute(select(Event).where(Event.kind == "config.applied"))
                  .scalars()]
    assert ops["OP-1001"].role == "supervisor" and ops["OP-1001"].pin_hash.startswith("scrypt$")
    assert ops["OP-1002"].name == "Bo" and ops["OP-1002"].role == "technician" and ops["OP-1002"].active
    assert {(e["kind"], e["hub_version"], e["source"]) for e in events} == {
        ("matrix", 1, "hub"), ("layout", 1, "hub"), ("rules", 1, "hub"), ("operators", 1, "hub")}
    assert applied[("rules", "default")].body == RULES
    # nothing new: nothing applied again
    assert run_once(ctx).config_applied == []
    # a new version arrives on the next pass
    assert _publish(hub_store, "operators", "site", json.dumps(roster[:1])) == (2, True)
    assert run_once(ctx).config_applied == ["operators/site v2"]
    assert _applied(ctx)[("operators", "site")].version == "2"


def test_a_bad_document_is_reported_and_never_applied(hub, tokens, make_station, hub_store):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    broken = PHONE.replace("\ndevice_class =", "\ndevice_klass =", 1)
    assert broken != PHONE
    phone_id = library.active(ctx, "phone").id
    # stored as an older hub without checks at publish left them: the station checks again
    _store_unchecked(hub_store, "matrix", phone_id, broken)
    _store_unchecked(hub_store, "layout", "wrong-name", LAYOUT)
    _store_unchecked(hub_store, "rules", "default", RULES.replace("\nversion =", "\nversio =", 1))
    report = run_once(ctx)
    assert len(report.errors) == 3 and report.online
    assert any("matrix" in e and "not applied" in e for e in report.errors)
    assert any("its name is '2x1in'" in e for e in report.errors)
    assert _applied(ctx) == {}
    assert library.active(ctx, "phone").version != "broken"
    # reported once: the same bad version is not fetched and refused on every pass
    assert run_once(ctx).errors == []


def test_the_station_keeps_the_last_applied_version_while_offline(hub, tokens, make_station, hub_store):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    phone_id = library.active(ctx, "phone").id
    _publish(hub_store, "matrix", phone_id, _bump(PHONE, "2099.2"))
    assert run_once(ctx).ok
    hub.stop()
    offline = run_once(ctx)
    assert offline.state == "offline"
    assert library.active(ctx, "phone").version == "2099.2"
    assert configpull.applied(ctx)[0]["version"] == "2099.2"


def test_a_local_switch_is_kept_until_the_hub_publishes_something_new(hub, tokens, make_station, hub_store):
    from station.context import Operator as SignedIn

    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    shipped = library.active(ctx, "phone")
    _publish(hub_store, "matrix", shipped.id, _bump(PHONE, "2099.3"))
    assert run_once(ctx).ok and library.active(ctx, "phone").version == "2099.3"
    with ctx.store.session() as s:
        sue = Operator(name="Sue", badge="OP-2001", role="supervisor", created_at="2026-01-01T00:00:00.000000Z")
        s.add(sue)
        s.flush()
        ctx.operator = SignedIn(sue.id, sue.name, sue.role)
    library.activate(ctx, shipped.id, shipped.version)  # a supervisor goes back to the shipped version
    assert run_once(ctx).config_applied == []
    assert library.active(ctx, "phone").version == shipped.version
    _publish(hub_store, "matrix", shipped.id, _bump(PHONE, "2099.4"))
    assert run_once(ctx).config_applied == [f"matrix/{shipped.id} v2"]
    assert library.active(ctx, "phone").version == "2099.4"

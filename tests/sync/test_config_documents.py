"""Configuration documents: checked at publish with the station's own loaders, quarantined on the
station when one still does not load, withdrawn with a history, and never a path of their own."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from station.cli import main
from station.errors import ConfigError
from station.models import AppliedConfig
from station.sync import run_once, status
from station.sync.hub import configdocs
from station.sync.hub.auth import now
from station.sync.hub.models import HubConfigDocument
from tests.sync.factory import add_events

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
RULES = (ROOT / "station/data/disposition.toml").read_text()
# the audit's document: rules whose `prices` is a boolean (the loader tripped with a TypeError)
BAD_RULES = RULES[: RULES.index("\n[[prices]]")].replace('currency = "USD"', 'currency = "USD"\nprices = true', 1)


def _store_unchecked(hub_store, kind: str, name: str, body: str, version: int = 1) -> None:
    """What an older hub (no checks at publish) left in its database."""
    with hub_store.session() as s:
        s.add(HubConfigDocument(kind=kind, name=name, version=version, body=body, published_at=now(),
                                sha256=hashlib.sha256(body.encode()).hexdigest()))


def _applied(ctx) -> dict[tuple[str, str], AppliedConfig]:
    with ctx.store.reader() as s:
        return {(r.kind, r.name): r for r in s.execute(select(AppliedConfig)).scalars()}


def test_publish_loads_the_document_with_the_stations_loaders(hub_store):
    with hub_store.session() as s:
        with pytest.raises(ConfigError, match=r"prices|cannot be loaded"):
            configdocs.publish(s, "rules", "default", BAD_RULES)
        for name in ("..", "../station", "Default", "a b", "x" * 65, ""):
            with pytest.raises(ConfigError, match="not a usable document name"):
                configdocs.publish(s, "rules", name, RULES)
        assert configdocs.publish(s, "rules", "default", RULES) == (1, True)


def test_a_bad_document_is_quarantined_and_events_keep_flowing(hub, tokens, make_station, hub_store):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    _store_unchecked(hub_store, "rules", "default", BAD_RULES)
    add_events(ctx, 20)
    report = run_once(ctx)
    assert report.online and report.events_sent == 20
    assert len(report.errors) == 1 and "quarantined" in report.errors[0]
    st = status(ctx)
    assert st.backlog_events == 0 and st.level == "warn"
    assert "1 quarantined" in st.text and "rules 'default' v1" in st.quarantined[0]
    assert _applied(ctx) == {}
    assert not (ctx.data.root / "hub" / "rules" / "default.toml").exists()
    # a version that loads lifts the quarantine
    with hub_store.session() as s:
        configdocs.publish(s, "rules", "default", RULES)
    again = run_once(ctx)
    assert again.ok and again.config_applied == ["rules/default v2"]
    assert status(ctx).quarantined == ()


@pytest.mark.usefixtures("hub_store")
def test_unpublish_withdraws_with_a_history_and_stations_drop_it(hub, tokens, make_station, tmp_path,
                                                                 capsys):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    base = ["--data-dir", str(tmp_path / "hubhost"), "hub", "--database-url", hub.app.state.store.engine.url
            .render_as_string(hide_password=False)]
    assert main([*base, "publish", "rules", "default", str(rules), "--by", "sue"]) == 0
    assert run_once(ctx).config_applied == ["rules/default v1"]
    pushed = ctx.data.root / "hub" / "rules" / "default.toml"
    assert pushed.exists()
    capsys.readouterr()
    assert main([*base, "unpublish", "rules", "default", "--by", "sue"]) == 0
    assert "withdrawn (version 2)" in capsys.readouterr().out
    assert main([*base, "unpublish", "rules", "default"]) == 2
    assert main([*base, "history", "rules", "default"]) == 0
    history = capsys.readouterr().out.splitlines()
    assert history[0].startswith("v1") and "sue" in history[0] and "withdrawn" in history[1]
    assert run_once(ctx).config_applied == ["rules/default withdrawn"]
    assert not pushed.exists() and _applied(ctx) == {}
    assert run_once(ctx).config_applied == []


class _HostileHub(BaseHTTPRequestHandler):
    """A hub that offers documents whose names are paths, and serves a station.toml as their body."""

    body = '[station]\nid = "taken"\n'
    names = ("..", "../../station", "../station", "/etc/x", "rules/../../station")

    def do_GET(self) -> None:
        sha = hashlib.sha256(self.body.encode()).hexdigest()
        entry = {"version": 1, "sha256": sha, "published_at": "2026-01-01T00:00:00.000000Z"}
        if self.path.startswith("/v1/config/"):
            reply = {"kind": "rules", "name": "x", **entry, "body": self.body}
        elif self.path.startswith("/v1/config"):
            reply = {"documents": [{"kind": k, "name": n, **entry} for n in self.names for k in ("rules", "layout")]}
        elif self.path.startswith("/v1/stations/me"):
            reply = {"station": "bench-1", "head_seq": 0, "head_hash": "0" * 64, "hub_time": entry["published_at"],
                     "clock_skew_s": None}
        else:
            self.send_error(404)
            return
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.send_error(503)

    def log_message(self, *args: object) -> None:
        pass


def test_names_from_a_hostile_hub_never_become_paths(make_station, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ctx = make_station("bench-1", f"http://127.0.0.1:{server.server_port}", "sth_x")
        settings = ctx.data.config_file.read_bytes()
        before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "sqlite" not in p.name}
        report = run_once(ctx)
        assert report.config_applied == []
        assert sum("quarantined" in e for e in report.errors) == 2 * len(_HostileHub.names)
        assert ctx.data.config_file.read_bytes() == settings
        after = {p for p in tmp_path.rglob("*") if p.is_file() and "sqlite" not in p.name}
        assert after - set(before) <= {p for p in after if p.name.endswith(".log")}
        assert len(status(ctx).quarantined) == 2 * len(_HostileHub.names)
    finally:
        server.shutdown()


VENDORS = '''version = "site-2027.1"

[[vendors]]
key = "north_recyclers"
name = "North Recyclers"
certification = "R2v3"
routes = ["recycle", "harvest_parts", "hazardous_battery"]
'''


def test_the_hub_pushes_the_downstream_vendor_list_and_routes_use_it(hub, tokens, make_station, hub_store):
    from station import disposition_vendors
    from station.commands.hub import DOCUMENT_KINDS
    from station.sync import documents

    assert DOCUMENT_KINDS == documents.KINDS  # the CLI offers every kind the hub and stations know
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    assert disposition_vendors.for_config(ctx.config).version != "site-2027.1"  # the shipped list first
    with hub_store.session() as s, pytest.raises(ConfigError, match="vendor list 'site'"):
        configdocs.publish(s, "vendors", "site", VENDORS.replace('key = "north_recyclers"', 'key = "North!"'))
    with hub_store.session() as s:
        configdocs.publish(s, "vendors", "site", VENDORS)
    assert run_once(ctx).config_applied == ["vendors/site v1"]
    pushed = disposition_vendors.for_config(ctx.config)
    assert pushed.version == "site-2027.1"
    assert [v.key for v in pushed.for_route("recycle")] == ["north_recyclers"]

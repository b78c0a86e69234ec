"""`station hub ...` and `station sync ...` from the command line."""

from __future__ import annotations

import json
import logging

import pytest

from station.cli import main
from station.sync.hub.db import head_revision
from tests.sync.factory import add_events

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


@pytest.fixture(autouse=True)
def _keep_root_handlers():
    root = logging.getLogger()
    before = list(root.handlers)
    yield
    root.handlers[:] = before  # main() adds a console handler per call


def test_tokens_are_printed_once_listed_without_secret_and_revoked(hub_db, capsys, tmp_path):
    base = ["--data-dir", str(tmp_path / "hubhost"), "hub", "--database-url", hub_db]
    assert main([*base, "create-station", "bench-9"]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith("sth_") and len(token) > 40 and "shown only now" in err
    assert main([*base, "create-station", "bench-9"]) == 2
    assert "already has a token" in capsys.readouterr().err
    assert main([*base, "create-reader", "ann"]) == 0
    reader = capsys.readouterr().out.strip()
    assert reader.startswith("rdh_")
    assert main([*base, "tokens"]) == 0
    listing = capsys.readouterr().out
    assert "bench-9" in listing and "ann" in listing and token not in listing and reader not in listing
    assert main([*base, "revoke-station", "bench-9"]) == 0
    assert "1 token(s) revoked" in capsys.readouterr().out
    assert main([*base, "tokens"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main([*base, "revoke-station", "nobody"]) == 2
    assert "No station named 'nobody'" in capsys.readouterr().err


def test_publish_configuration(hub_db, capsys, tmp_path):
    roster = tmp_path / "operators.json"
    roster.write_text(json.dumps([{"badge": "OP-1", "name": "Ann"}]))
    base = ["--data-dir", str(tmp_path / "hubhost"), "hub", "--database-url", hub_db, "publish"]
    assert main([*base, "operators", "site", str(roster)]) == 0
    assert capsys.readouterr().out.strip() == "operators/site version 1"
    assert main([*base, "operators", "site", str(roster)]) == 0
    assert "unchanged" in capsys.readouterr().out
    roster.write_text("not json")
    assert main([*base, "operators", "site", str(roster)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_database_url_from_the_environment_and_migrate(hub_db, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("STATION_HUB_DATABASE_URL", hub_db)
    assert main(["--data-dir", str(tmp_path), "hub", "migrate"]) == 0
    assert f"hub schema at {head_revision()}" in capsys.readouterr().out


def test_sync_once_and_status(hub, tokens, make_station, capsys):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    add_events(ctx, 7)
    data = str(ctx.data.root)
    assert main(["--data-dir", data, "sync", "status"]) == 1  # work waiting: not "all sent"
    shown = capsys.readouterr().out
    assert "7 events, 0 blobs" in shown and "without TLS verification" in shown  # plain http, opted in
    assert main(["--data-dir", data, "sync", "--once"]) == 0
    assert "events: 7 sent, 0 already on the hub" in capsys.readouterr().out
    assert main(["--data-dir", data, "sync", "status", "--json"]) == 0
    out = capsys.readouterr().out
    shown = json.loads(out)
    assert shown["state"] == "online" and shown["backlog_events"] == 0 and shown["token_set"] is True
    assert shown["station"] == "bench-1" and ctx.config["sync.token"] not in out


@pytest.mark.usefixtures("data_dir")
def test_sync_without_a_hub_says_it_is_off(capsys):
    assert main(["sync", "--once"]) == 1
    assert "sync is off" in capsys.readouterr().out
    assert main(["sync", "status"]) == 1
    assert "Hub: sync off" in capsys.readouterr().out

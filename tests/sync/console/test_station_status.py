"""Each sync tells the hub the station's software version and its outbox backlog; the hub keeps them on the
station's row (PostgreSQL) and shows them in /v1/summary/stations and on the console's stations page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from station import __version__, limits, units
from station.sync import outbox, run_once
from station.sync.client import HubClient

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


class Recording(HubClient):
    """The real client, noting the backlog it announced with each batch."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.told: list[int | None] = []

    def post_encoded(self, body: bytes) -> dict[str, Any]:
        self.told.append(self.backlog)
        return super().post_encoded(body)


@pytest.fixture
def web(hub):  # type: ignore[no-untyped-def]
    """One client for every request: a client per request builds its TLS context again, about 0.3 s each."""
    with httpx.Client(base_url=hub.url) as client:
        yield client


def _summary(web: httpx.Client, reader: str) -> dict[str, dict[str, Any]]:
    got = web.get("/v1/summary/stations", headers={"Authorization": f"Bearer {reader}"})
    assert got.status_code == 200, got.text
    return {r["station"]: r for r in got.json()}


def test_each_sync_reports_version_and_backlog(hub, web, tokens, make_station):
    reader = tokens.reader("boss")
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"), batch_size=4)
    assert _summary(web, reader)["bench-1"]["version"] is None  # nothing said yet
    with ctx.store.session() as s:
        for i in range(10):
            units.create(s, ctx.actor, {"serial": f"SN-{i}"}, device_class="drive")
    pending = sum(outbox.backlog(ctx.store).values())
    assert pending >= 10
    client = Recording.from_config(ctx.config)
    assert run_once(ctx, client=client).ok
    # each batch says what will be left once it is stored: the pile shrinks to nothing
    assert client.told[0] == pending - 4 and client.told[-1] == 0
    assert client.told == sorted(client.told, reverse=True) and len(client.told) == -(-pending // 4)
    row = _summary(web, reader)["bench-1"]
    assert row["version"] == __version__ and row["backlog"] == 0 and row["backlog_at"]
    # a station that goes quiet with work queued shows it, from the first call of its next pass
    client.backlog = 37
    client.me()
    assert _summary(web, reader)["bench-1"]["backlog"] == 37
    client.close()


def test_a_malformed_status_is_refused_and_not_stored(web, tokens):
    reader, token = tokens.reader("boss"), tokens.station("bench-1")
    ok = web.get("/v1/stations/me", headers={"Authorization": f"Bearer {token}",
                                             limits.STATION_VERSION_HEADER: "2.0.1",
                                             limits.STATION_BACKLOG_HEADER: "5"})
    assert ok.status_code == 200, ok.text
    for header, value in ((limits.STATION_VERSION_HEADER, "1.0 <script>"),
                          (limits.STATION_VERSION_HEADER, "9" * 41),
                          (limits.STATION_BACKLOG_HEADER, "-1"),
                          (limits.STATION_BACKLOG_HEADER, str(limits.STATION_BACKLOG_MAX + 1)),
                          (limits.STATION_BACKLOG_HEADER, "1e9")):
        bad = web.get("/v1/stations/me", headers={"Authorization": f"Bearer {token}", header: value})
        assert bad.status_code == 422 and header in bad.text, (header, value)
    row = _summary(web, reader)["bench-1"]
    assert (row["version"], row["backlog"]) == ("2.0.1", 5)

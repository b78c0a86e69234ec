"""A year of one station's events for the value loop: three phone models with known prices.

  steady    Google Pixel 8 128GB: sells every other day at 200-220 to five buyers; a few on hand, in lot L-7
            (a buyer's target of 230 per unit on that lot)
  eol       Apple iPhone 11 64GB: sold at 300 until it went EOL on 2026-06-01, then at 200 until 07-15; thirty
            left on hand in lot L-9, one buyer, one channel
  volatile  Samsung Galaxy S21 256GB: sells every fifth day at wildly different prices
Prices are returned per model so a test can compute the expected percentiles itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from station import events
from station.sync.hub import ingest
from station.sync.hub.schemas import EventIn

NOW = datetime(2026, 12, 1, tzinfo=UTC)
START = NOW - timedelta(days=364)
EOL_DAY = datetime(2026, 6, 1, tzinfo=UTC)
MODELS = {"steady": ("Google", "Pixel 8", "128GB"), "eol": ("Apple", "iPhone 11", "64GB"),
          "volatile": ("Samsung", "Galaxy S21", "256 GB")}
VOLATILE = (80.0, 400.0, 150.0, 350.0, 60.0, 300.0, 120.0, 420.0)


@dataclass
class Year:
    station: str
    items: list[tuple[datetime, str, str | None, dict[str, Any]]] = field(default_factory=list)
    sold: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)  # model -> (at, amount) of grade B
    n: int = 0

    def unit(self, model: str, at: datetime, expected: float, *, sell: tuple[datetime, float, str] | None = None,
             lot: str | None = None, grade: str = "B", channel: str = "wholesale_auction") -> str:
        self.n += 1
        uid = f"U{self.n:07d}"
        make, name, capacity = MODELS[model]
        self.items += [
            (at, "unit.created", uid, {"identifiers": {"serial": f"SN{self.n}"}, "device_class": "phone",
                                       "make": make, "model": name, "capacity": capacity}),
            (at + timedelta(minutes=30), "route.assigned", uid,
             {"route": "wholesale_auction", "sale_grade": grade, "expected_value": expected}),
        ]
        if lot:
            self.items.append((at + timedelta(minutes=40), "lot.unit_added", uid, {"lot": lot}))
        if sell:
            when, amount, buyer = sell
            self.items.append((when, "outcome.recorded", uid, {
                "outcome": "sold", "route": "wholesale_auction", "graded": grade, "sold_grade": grade,
                "amount": amount, "channel": channel, "buyer": buyer, "accurate": True}))
            if grade == "B" and channel == "wholesale_auction":
                self.sold.setdefault(model, []).append((when, amount))
        return uid

    def events(self) -> list[EventIn]:
        out, prev = [], events.GENESIS
        for seq, (at, kind, uid, payload) in enumerate(sorted(self.items, key=lambda i: (i[0], i[1])), 1):
            body = {"seq": seq, "station": self.station, "unit": uid, "kind": kind, "payload": payload,
                    "operator": "Tess", "operator_id": None, "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
            h = hashlib.sha256((prev + events.canonical(body)).encode()).hexdigest()
            out.append(EventIn(**body, prev_hash=prev, hash=h))
            prev = h
        return out


def build(station: str = "bench-1") -> Year:
    y = Year(station)
    buyers = ("Acme", "Bolt", "Cirrus", "Dyna", "Ember")
    for day in range(0, 364, 2):  # steady: 182 sales, 200..220
        at = START + timedelta(days=day, hours=9)
        y.unit("steady", at - timedelta(days=1), 190.0, sell=(at, 200.0 + 5 * (day // 2 % 5), buyers[day % 5]))
    for day in range(0, 6):  # three sales of grade A on retail: fewer than min_sales, so no band
        if day % 2 == 0:
            at = NOW - timedelta(days=20 - day)
            y.unit("steady", at - timedelta(days=1), 250.0, grade="A", channel="resell_retail",
                   sell=(at, 260.0, "Acme"))
    for i in range(3):
        y.unit("steady", NOW - timedelta(days=3 + i), 180.0, lot="L-7")
    y.items.append((NOW - timedelta(days=2), "lot.created", None, {"lot": "L-7", "target_price": 230.0,
                                                                    "buyer": "Acme"}))
    day = 0
    while START + timedelta(days=day) < datetime(2026, 7, 16, tzinfo=UTC):  # eol: every fourth day
        at = START + timedelta(days=day, hours=11)
        y.unit("eol", at - timedelta(days=2), 280.0, sell=(at, 300.0 if at < EOL_DAY else 200.0, "Zed"))
        day += 4
    for i in range(30):
        y.unit("eol", datetime(2026, 5, 10, tzinfo=UTC) + timedelta(hours=i), 250.0, lot="L-9")
    for k, day in enumerate(range(1, 364, 5)):  # volatile
        at = START + timedelta(days=day, hours=14)
        y.unit("volatile", at - timedelta(days=1), 200.0, sell=(at, VOLATILE[k % len(VOLATILE)], buyers[k % 3]))
    for i in range(4):
        y.unit("volatile", NOW - timedelta(days=10 + i), 200.0)
    return y


def load(s: Session, year: Year, batch: int = 500) -> None:
    evs = year.events()
    for i in range(0, len(evs), batch):
        reply = ingest.ingest(s, year.station, list(evs[i:i + batch]))
        assert {r.status for r in reply.results} == {"accepted"}

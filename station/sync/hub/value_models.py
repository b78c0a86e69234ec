"""The hub's value-loop tables: what each unit is and where it stands, every recorded outcome,
buyers' lot targets, and the last Inventory Risk tier of each model and lot (for tier-change alerts).

Rows are derived from station events at ingest (station/sync/hub/value_ingest.py); the events stay
the record. SKUs are kept as their folded key (station/value/sku.py) plus one spelling to show.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from station.sync.hub.models import HubBase

SKU_KEY = 370  # three folded parts of at most 120 characters and two separators


class HubValueUnit(HubBase):
    """One station's unit as the value loop sees it; on hand while routed and not moved out."""

    __tablename__ = "value_units"
    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_uid: Mapped[str] = mapped_column(String(32), primary_key=True)
    sku_key: Mapped[str] = mapped_column(String(SKU_KEY), index=True)
    make: Mapped[str | None] = mapped_column(String(120))
    model: Mapped[str | None] = mapped_column(String(120))
    capacity: Mapped[str | None] = mapped_column(String(120))
    device_class: Mapped[str | None] = mapped_column(String(20))
    grade: Mapped[str | None] = mapped_column(String(12))
    route: Mapped[str | None] = mapped_column(String(32))
    expected_value: Mapped[float | None] = mapped_column(Float)
    lot: Mapped[str | None] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # first event, station clock
    out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # sold or completed; None: on hand
    __table_args__ = (Index("ix_value_units_lot", "station_id", "lot"),)


class HubOutcome(HubBase):
    """One outcome.recorded event: what happened to a unit, for how much, through which channel, to whom."""

    __tablename__ = "outcomes"
    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    unit_uid: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the station's clock
    outcome: Mapped[str] = mapped_column(String(16))  # sold | returned | completed | rerouted
    sku_key: Mapped[str] = mapped_column(String(SKU_KEY))
    make: Mapped[str | None] = mapped_column(String(120))
    model: Mapped[str | None] = mapped_column(String(120))
    capacity: Mapped[str | None] = mapped_column(String(120))
    grade: Mapped[str | None] = mapped_column(String(12))
    channel: Mapped[str | None] = mapped_column(String(40))
    buyer: Mapped[str | None] = mapped_column(String(120))
    amount: Mapped[float | None] = mapped_column(Float)
    expected_value: Mapped[float | None] = mapped_column(Float)  # what routing expected: accuracy by value
    __table_args__ = (
        Index("ix_outcomes_sku_at", "sku_key", "at"), Index("ix_outcomes_at", "at"),
        # the sales in band order, with what the bands and coverage read: one index-only pass (risk._GROUPS)
        Index("ix_outcomes_sales", "sku_key", "grade", "channel", "amount",
              postgresql_include=["at", "buyer", "make", "model", "capacity"],
              postgresql_where=text("outcome = 'sold'")))


class HubLotTarget(HubBase):
    """A buyer's target price per unit for a station's lot: from the lot's events or entered on the hub."""

    __tablename__ = "lot_targets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64))
    lot: Mapped[str] = mapped_column(String(64))
    buyer: Mapped[str | None] = mapped_column(String(120))
    target_price: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by: Mapped[str | None] = mapped_column(String(120))  # None: it came with the station's event
    __table_args__ = (Index("ix_lot_targets_lot", "station_id", "lot"),)


class HubRiskTier(HubBase):
    """The Inventory Risk tier last computed for a model ('model', sku key) or lot ('lot', station:lot)."""

    __tablename__ = "risk_tiers"
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    ref: Mapped[str] = mapped_column(String(SKU_KEY), primary_key=True)
    tier: Mapped[str] = mapped_column(String(8))
    score: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

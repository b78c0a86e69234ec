"""The hub's PostgreSQL schema: every station's events, blobs, configuration and tokens.

The hub keeps no state outside PostgreSQL, so any number of instances can serve behind
a load balancer. Station times are kept as the station said them (`at`, inside the
hashed body) next to the hub's own receiving time, because station clocks drift.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from station.events import GENESIS


class HubBase(DeclarativeBase):
    pass


class HubSite(HubBase):
    """A building with its benches: what a site-scoped reader or console account may see."""

    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # the public base address certificates' QR codes point at: <verify_url>/<certificate id>
    verify_url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HubStation(HubBase):
    """One bench. Its chain head is where the next event must attach."""

    __tablename__ = "stations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clock_skew_s: Mapped[float | None]  # station clock minus hub clock, at its last request
    head_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    version: Mapped[str | None] = mapped_column(String(40))  # the station software, as it last said
    backlog: Mapped[int | None] = mapped_column(BigInteger)  # outbox rows it still had to send, at backlog_at
    backlog_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HubToken(HubBase):
    """A bearer token, stored as its sha256 only. Role 'station' writes as one station; 'reader' only reads."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    role: Mapped[str] = mapped_column(String(16))
    station_id: Mapped[str | None] = mapped_column(ForeignKey("stations.id"), index=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"))  # a reader's site; None reads all
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # to the minute
    created_by: Mapped[str | None] = mapped_column(String(120))
    revoked_by: Mapped[str | None] = mapped_column(String(120))


class HubEvent(HubBase):
    """One station event, stored once: (station, seq) is the key of idempotency."""

    __tablename__ = "events"
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    unit_uid: Mapped[str | None] = mapped_column(String(32))
    operator_name: Mapped[str | None] = mapped_column(String(120))
    operator_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the station's clock
    body: Mapped[str] = mapped_column(Text)  # the canonical JSON that was hashed
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the hub's clock
    __table_args__ = (
        Index("ix_events_at", "at"),
        Index("ix_events_kind_at", "kind", "at"),
        Index("ix_events_station_unit", "station_id", "unit_uid"),
    )


class HubUnitKey(HubBase):
    """Identifiers a station's unit answered to, taken from its events: the way in for history queries."""

    __tablename__ = "unit_identifiers"
    value: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_uid: Mapped[str] = mapped_column(String(32), primary_key=True)


class HubCertificate(HubBase):
    """A sanitization certificate as announced by its certificate.issued event."""

    __tablename__ = "certificates"
    # Keyed by its issuer: a second station announcing the same id is an incident, not the first one's record.
    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    unit_uid: Mapped[str | None] = mapped_column(String(32))
    serial: Mapped[str | None] = mapped_column(String(120), index=True)
    sanitized: Mapped[bool | None] = mapped_column(Boolean)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HubBlob(HubBase):
    """A content-addressed file; complete only once every byte arrived and the sha256 matched."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    station_id: Mapped[str | None] = mapped_column(String(64))  # first uploader, for audit
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_blobs_completed_at", "completed_at"),)


class HubBlobUpload(HubBase):
    """One station's unfinished upload of a blob: resumable from `received`, expired when left alone.

    Its bytes are in the object storage: `parts` multipart parts holding the first `parted` bytes,
    then a tail object holding the rest up to `received` (station.sync.hub.objects).
    """

    __tablename__ = "blob_uploads"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    upload_id: Mapped[str | None] = mapped_column(String(400))
    parts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    parted: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class HubConfigDocument(HubBase):
    """One published version of a grading matrix, disposition rules, label layout or operator list."""

    __tablename__ = "config_documents"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(120))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class HubIncident(HubBase):
    """A chain problem seen on arrival (gap, fork, altered event): reported, never silently accepted."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # gap | fork | altered | invalid
    seq: Mapped[int] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HubConsoleSession(HubBase):
    """A signed-in console browser: the cookie is random, stored as its sha256, like a token."""

    __tablename__ = "console_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))  # site_manager | auditor | admin
    site_id: Mapped[str | None] = mapped_column(String(64))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class HubCertificateFile(HubBase):
    """Each complete blob, looked at once: a certificate's JSON or PDF names its id and station; others None."""

    __tablename__ = "certificate_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str | None] = mapped_column(String(64))
    cert_id: Mapped[str | None] = mapped_column(String(64), index=True)
    format: Mapped[str | None] = mapped_column(String(8))  # json | pdf | None: not a certificate
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  # the blob's


# The value loop's tables share this metadata (migrations and the schema check see one schema).
from station.sync.hub import value_models as value_models  # noqa: E402

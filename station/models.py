"""SQLAlchemy 2 typed models of the local store.

Identifiers are TEXT everywhere: IMEIs and serials have leading zeros and letters.
Times are UTC, stored as ISO-8601 text with a 'Z' so they sort and compare as strings
and read the same in SQLite, PostgreSQL and exports.
Every column a panel looks things up by has an index.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Operator(Base):
    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    badge: Mapped[str | None] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="technician")  # technician | supervisor
    pin_hash: Mapped[str | None] = mapped_column(String(255))  # scrypt, never the PIN
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[str] = mapped_column(String(32))


class Unit(Base):
    """One physical item on the bench."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)  # the label barcode, e.g. U1A2B3C4D
    device_class: Mapped[str] = mapped_column(String(20), default="other")
    make: Mapped[str | None] = mapped_column(String(80))
    model: Mapped[str | None] = mapped_column(String(120))
    # storage size ("128GB"): with make and model, the SKU price bands and lifecycle tags are kept by
    capacity: Mapped[str | None] = mapped_column(String(120))
    serial: Mapped[str | None] = mapped_column(String(120), index=True)
    imei: Mapped[str | None] = mapped_column(String(20), index=True)
    # intake fields
    return_category: Mapped[str | None] = mapped_column(String(60))
    return_reason: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(String(120))
    lot_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # lot/PO it came in with
    condition_notes: Mapped[str | None] = mapped_column(Text)
    usage_history: Mapped[str | None] = mapped_column(Text)
    # the customer's side of the return, where known: the day it was initiated (YYYY-MM-DD) and
    # the inbound shipping paid, for cost per return and cycle time to value
    return_initiated_on: Mapped[str | None] = mapped_column(String(10))
    shipping_cost: Mapped[float | None]
    # progress through the bench; denormalised from events for fast panels and KPIs
    stage: Mapped[str] = mapped_column(String(20), default="intake", index=True)
    cosmetic_grade: Mapped[str | None] = mapped_column(String(8))
    functional_code: Mapped[str | None] = mapped_column(String(16))
    sale_grade: Mapped[str | None] = mapped_column(String(12))
    grade_matrix: Mapped[str | None] = mapped_column(String(80))  # id@version
    wipe_status: Mapped[str | None] = mapped_column(String(20))  # sanitized|failed|interrupted|aborted|partial|n/a
    certificate_id: Mapped[str | None] = mapped_column(String(64))
    route: Mapped[str | None] = mapped_column(String(32))
    expected_value: Mapped[float | None]
    estimated_value: Mapped[float | None]  # market value at routing; expected = estimated x route recovery rate
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[str] = mapped_column(String(32), index=True)
    updated_at: Mapped[str] = mapped_column(String(32))
    finished_at: Mapped[str | None] = mapped_column(String(32), index=True)


class UnitIdentifier(Base):
    """Every identifier a unit answers to (IMEI 1/2, serial, GS1 GTIN+serial, asset tag)."""

    __tablename__ = "unit_identifiers"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_identifier_kind_value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(120), index=True)


class Event(Base):
    """Append-only, hash-chained history. Never updated, never deleted."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # position in this station's chain
    station_id: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    unit_uid: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    operator_name: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[str] = mapped_column(String(32))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Shift figures and exports read a time window's events by kind, unit and operator, and
    # a unit's operators; these indexes answer them without touching the table.
    __table_args__ = (
        Index("ix_events_unit_operator", "unit_id", "operator_name"),
        Index("ix_events_kind_created_at", "kind", "created_at", "operator_name"),
        Index("ix_events_created_at_unit", "created_at", "unit_id", "operator_name"),
    )


class Outbox(Base):
    """Rows waiting to go upstream, written in the same transaction as what they carry."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # event | blob
    ref: Mapped[str] = mapped_column(String(80))  # event id, or blob sha256
    created_at: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "id"),)


class Photo(Base):
    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # intake | defect | final
    shot: Mapped[str] = mapped_column(String(40))
    camera: Mapped[str | None] = mapped_column(String(120))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    quality: Mapped[str] = mapped_column(Text)  # JSON: blur, brightness, clipped...
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    created_at: Mapped[str] = mapped_column(String(32))


class WipeJob(Base):
    __tablename__ = "wipe_jobs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    device: Mapped[str] = mapped_column(String(255))
    model: Mapped[str | None] = mapped_column(String(120))
    serial: Mapped[str | None] = mapped_column(String(120), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    method: Mapped[str] = mapped_column(String(32))
    verify: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)  # RUNNING/FINISHED/FAILED/ABORTED/INTERRUPTED
    reason: Mapped[str | None] = mapped_column(Text)
    bytes_written: Mapped[int] = mapped_column(Integer, default=0)
    bytes_verified: Mapped[int] = mapped_column(Integer, default=0)
    job_dir: Mapped[str | None] = mapped_column(String(255))  # progress + evidence files
    pid: Mapped[int | None] = mapped_column(Integer)
    certificate_id: Mapped[str | None] = mapped_column(String(64))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    started_at: Mapped[str] = mapped_column(String(32))
    ended_at: Mapped[str | None] = mapped_column(String(32))


class Certificate(Base):
    __tablename__ = "certificates"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    wipe_job_id: Mapped[str | None] = mapped_column(ForeignKey("wipe_jobs.id"))
    serial: Mapped[str | None] = mapped_column(String(120), index=True)
    sanitized: Mapped[bool] = mapped_column(default=False)
    method_type: Mapped[str] = mapped_column(String(16))  # Clear | Purge | Destroy | none
    sha256: Mapped[str] = mapped_column(String(64))
    json_path: Mapped[str] = mapped_column(String(255))
    pdf_path: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[str] = mapped_column(String(32))


class PhoneCheck(Base):
    """A phone's identity and pre-check facts as read over adb; the latest row per unit is its current flags.

    Buyers check FRP, MDM, verified boot and the bootloader lock, so they are kept as columns.
    """

    __tablename__ = "phone_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    serial: Mapped[str] = mapped_column(String(120), index=True)
    imei: Mapped[str | None] = mapped_column(String(20))
    android_version: Mapped[str | None] = mapped_column(String(32))
    security_patch: Mapped[str | None] = mapped_column(String(16))
    encryption: Mapped[str] = mapped_column(String(16))  # file-based | full-disk | none
    method_type: Mapped[str] = mapped_column(String(16))  # what a reset amounts to: Purge | Clear
    verified_boot: Mapped[str | None] = mapped_column(String(16))  # green | yellow | orange | red
    bootloader_locked: Mapped[bool | None]
    rooted: Mapped[bool] = mapped_column(default=False)
    frp_account: Mapped[bool] = mapped_column(default=False)
    device_owner: Mapped[str | None] = mapped_column(String(255))
    blocked: Mapped[bool] = mapped_column(default=False)
    checks: Mapped[str] = mapped_column(Text)  # JSON: every check with its plain-words explanation
    created_at: Mapped[str] = mapped_column(String(32))


class Grade(Base):
    __tablename__ = "grades"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    matrix_id: Mapped[str] = mapped_column(String(64))
    matrix_version: Mapped[str] = mapped_column(String(32))
    matrix_hash: Mapped[str] = mapped_column(String(64))
    answers: Mapped[str] = mapped_column(Text)  # JSON
    cosmetic: Mapped[str] = mapped_column(String(8))
    functional: Mapped[str] = mapped_column(String(16))
    sale_grade: Mapped[str] = mapped_column(String(12))
    crosswalks: Mapped[str] = mapped_column(Text)  # JSON
    defects: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of defect tags from the answers
    computed_grade: Mapped[str] = mapped_column(String(12))  # what the matrix gave; differs when overridden
    override_reason: Mapped[str | None] = mapped_column(Text)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[str] = mapped_column(String(32))


class Lot(Base):
    __tablename__ = "lots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    device_class: Mapped[str | None] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(120))
    grade: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[str] = mapped_column(String(32))


class LotUnit(Base):
    __tablename__ = "lot_units"
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)
    added_at: Mapped[str] = mapped_column(String(32))


class PrintJob(Base):
    """A label waiting for, or sent to, a printer. Kept until it printed: no label is lost."""

    __tablename__ = "print_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    layout: Mapped[str] = mapped_column(String(64))
    printer: Mapped[str] = mapped_column(String(255))
    bitmap_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued | printed | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    printed_at: Mapped[str | None] = mapped_column(String(32))


class AppliedConfig(Base):
    """Which version of each pushed-down configuration document this station applied."""

    __tablename__ = "applied_config"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # matrix | rules | layout | operators
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[str] = mapped_column(String(32))


class Meta(Base):
    """Small station-wide facts: station id, sync cursor, last hub error."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

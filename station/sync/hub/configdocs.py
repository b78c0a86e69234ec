"""Configuration published on the hub for stations to pull: versioned, never edited in place.

Kinds: grading matrices, disposition rules, label layouts and operator lists. Publishing
new content under a kind/name makes the next version; publishing the same content again
keeps the current one, so a repeated publish script is harmless. Every body is loaded
with the station's own loaders before it is stored. Withdrawing is a version too.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station import clock
from station.errors import UserFacingError
from station.sync import documents
from station.sync.hub.auth import now
from station.sync.hub.models import HubConfigDocument
from station.sync.hub.schemas import ConfigDocument, ConfigEntry

KINDS = documents.KINDS
MAX_BODY = documents.MAX_BODY


def validate(kind: str, name: str, body: str) -> str | None:
    """Load the document with the station's own loaders: what a station would quarantine is refused here."""
    return documents.check(kind, name, body)


def publish(s: Session, kind: str, name: str, body: str, by: str | None = None) -> tuple[int, bool]:
    """Publish `body` as kind/name; returns (version, created). Same content as the latest: no new version."""
    if not isinstance(body, str):
        validate(kind, name, body)  # refused, with the sentence saying why
    documents.check_name(kind, name)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    latest = s.execute(
        select(HubConfigDocument).where(HubConfigDocument.kind == kind, HubConfigDocument.name == name)
        .order_by(HubConfigDocument.version.desc()).limit(1).with_for_update()
    ).scalar_one_or_none()
    if latest is not None and latest.sha256 == digest and not latest.withdrawn:
        return latest.version, False  # this very text was loaded when it was stored
    validate(kind, name, body)
    version = (latest.version if latest else 0) + 1
    s.add(HubConfigDocument(kind=kind, name=name, version=version, sha256=digest, body=body,
                            published_at=now(), published_by=by))
    return version, True


def unpublish(s: Session, kind: str, name: str, by: str | None = None) -> int:
    """Withdraw kind/name: a new version that says so, so stations drop it and the history keeps it."""
    documents.check_name(kind, name)
    latest = s.execute(
        select(HubConfigDocument).where(HubConfigDocument.kind == kind, HubConfigDocument.name == name)
        .order_by(HubConfigDocument.version.desc()).limit(1).with_for_update()
    ).scalar_one_or_none()
    if latest is None or latest.withdrawn:
        raise UserFacingError(f"No published {kind} named '{name}' to withdraw; 'station hub history {kind} "
                              f"{name}' shows what there was.")
    s.add(HubConfigDocument(kind=kind, name=name, version=latest.version + 1, sha256=hashlib.sha256(b"").hexdigest(),
                            body="", published_at=now(), published_by=by, withdrawn=True))
    return latest.version + 1


def _entry(d: HubConfigDocument) -> ConfigEntry:
    return ConfigEntry(kind=d.kind, name=d.name, version=d.version, sha256=d.sha256,
                       published_at=clock.iso(d.published_at), published_by=d.published_by, withdrawn=d.withdrawn)


def current(s: Session) -> list[ConfigEntry]:
    """The latest version of every document (without bodies): what a station compares against."""
    latest = (
        select(HubConfigDocument.kind, HubConfigDocument.name, func.max(HubConfigDocument.version).label("v"))
        .group_by(HubConfigDocument.kind, HubConfigDocument.name).subquery()
    )
    rows = s.execute(
        select(HubConfigDocument).join(latest, (HubConfigDocument.kind == latest.c.kind)
                                       & (HubConfigDocument.name == latest.c.name)
                                       & (HubConfigDocument.version == latest.c.v))
        .order_by(HubConfigDocument.kind, HubConfigDocument.name)
    ).scalars()
    return [_entry(d) for d in rows]


def _site_of(s: Session, station_id: str) -> str | None:
    from station.sync.hub.models import HubStation

    return s.execute(select(HubStation.site_id).where(HubStation.id == station_id)).scalar_one_or_none()


def for_station(s: Session, station_id: str) -> list[ConfigEntry]:
    """What `station_id` pulls: every document, but of the per-site ones only its own site's."""
    site = _site_of(s, station_id)
    return [e for e in current(s) if e.kind != "site" or e.name == site]


def visible(s: Session, station_id: str, kind: str, name: str) -> bool:
    return kind != "site" or name == _site_of(s, station_id)


def get(s: Session, kind: str, name: str, version: int | None = None) -> ConfigDocument | None:
    q = select(HubConfigDocument).where(HubConfigDocument.kind == kind, HubConfigDocument.name == name)
    q = q.where(HubConfigDocument.version == version) if version else q.order_by(HubConfigDocument.version.desc())
    d = s.execute(q.limit(1)).scalar_one_or_none()
    if d is None or d.withdrawn:
        return None
    return ConfigDocument(**_entry(d).model_dump(), body=d.body)


def history(s: Session, kind: str, name: str) -> list[ConfigEntry]:
    rows = s.execute(
        select(HubConfigDocument).where(HubConfigDocument.kind == kind, HubConfigDocument.name == name)
        .order_by(HubConfigDocument.version)
    ).scalars()
    return [_entry(d) for d in rows]

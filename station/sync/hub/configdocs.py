"""Configuration published on the hub for stations to pull: versioned, never edited in place.

Kinds: grading matrices, disposition rules, label layouts and operator lists. Publishing
new content under a kind/name makes the next version; publishing the same content again
keeps the current one, so a repeated publish script is harmless.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station import clock
from station.errors import UserFacingError
from station.sync.hub.auth import now
from station.sync.hub.models import HubConfigDocument
from station.sync.hub.schemas import ConfigDocument, ConfigEntry

KINDS = ("matrix", "rules", "layout", "operators")
MAX_BODY = 4 * 1024 * 1024


def validate(kind: str, name: str, body: str) -> None:
    """What the hub can check without knowing each area's rules: kind, name, size, and JSON for operators."""
    if kind not in KINDS:
        raise UserFacingError(f"'{kind}' is not a configuration kind; use one of: {', '.join(KINDS)}.")
    if not name or len(name) > 64 or any(c.isspace() or c in "/\\\x00" for c in name):
        raise UserFacingError(f"'{name}' is not a usable document name: 1-64 characters, no spaces or slashes.")
    if "\x00" in body or len(body.encode("utf-8")) > MAX_BODY:
        raise UserFacingError(f"The {kind} '{name}' is not a text document of at most {MAX_BODY} bytes.")
    if kind == "operators":
        try:
            rows = json.loads(body)
        except ValueError as exc:
            raise UserFacingError(f"The operator list '{name}' is not valid JSON ({exc}).") from exc
        if not isinstance(rows, list) or not all(isinstance(r, dict) and r.get("badge") for r in rows):
            raise UserFacingError(f"The operator list '{name}' must be a JSON list of objects each with a 'badge'.")


def publish(s: Session, kind: str, name: str, body: str, by: str | None = None) -> tuple[int, bool]:
    """Publish `body` as kind/name; returns (version, created). Same content as the latest: no new version."""
    validate(kind, name, body)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    latest = s.execute(
        select(HubConfigDocument).where(HubConfigDocument.kind == kind, HubConfigDocument.name == name)
        .order_by(HubConfigDocument.version.desc()).limit(1).with_for_update()
    ).scalar_one_or_none()
    if latest is not None and latest.sha256 == digest:
        return latest.version, False
    version = (latest.version if latest else 0) + 1
    s.add(HubConfigDocument(kind=kind, name=name, version=version, sha256=digest, body=body,
                            published_at=now(), published_by=by))
    return version, True


def _entry(d: HubConfigDocument) -> ConfigEntry:
    return ConfigEntry(kind=d.kind, name=d.name, version=d.version, sha256=d.sha256,
                       published_at=clock.iso(d.published_at))


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


def get(s: Session, kind: str, name: str, version: int | None = None) -> ConfigDocument | None:
    q = select(HubConfigDocument).where(HubConfigDocument.kind == kind, HubConfigDocument.name == name)
    q = q.where(HubConfigDocument.version == version) if version else q.order_by(HubConfigDocument.version.desc())
    d = s.execute(q.limit(1)).scalar_one_or_none()
    if d is None:
        return None
    return ConfigDocument(**_entry(d).model_dump(), body=d.body)


def history(s: Session, kind: str, name: str) -> list[ConfigEntry]:
    rows = s.execute(
        select(HubConfigDocument).where(HubConfigDocument.kind == kind, HubConfigDocument.name == name)
        .order_by(HubConfigDocument.version)
    ).scalars()
    return [_entry(d) for d in rows]

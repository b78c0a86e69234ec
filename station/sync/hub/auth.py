"""Tokens: per-station write tokens and supervisor read tokens, stored as sha256 only.

A token is 256 random bits, so a plain sha256 is enough to store it (no salt or slow
hash needed: there is nothing to guess). The plain token is shown once, at creation.
A station token writes and reads only as its own station; a reader token only reads.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from station.errors import UserFacingError
from station.sync.hub.models import HubStation, HubToken

STATION = "station"
READER = "reader"
_PREFIX = {STATION: "sth_", READER: "rdh_"}


def now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's role and, for a station token, its station."""

    role: str
    name: str
    station_id: str | None = None


class AuthError(Exception):
    """Missing, unknown or revoked token (HTTP 401)."""


def authenticate(s: Session, token: str | None) -> Principal:
    if not token:
        raise AuthError("No token was sent. Send 'Authorization: Bearer <token>'.")
    row = s.execute(select(HubToken).where(HubToken.token_hash == token_hash(token))).scalar_one_or_none()
    if row is None:
        raise AuthError("This token is not known to the hub. Check the token, or ask for a new one.")
    if row.revoked_at is not None:
        raise AuthError(f"The token for '{row.name}' was revoked. Ask the hub administrator for a new one.")
    return Principal(row.role, row.name, row.station_id)


def _issue(s: Session, name: str, role: str, station_id: str | None) -> str:
    token = _PREFIX[role] + secrets.token_urlsafe(32)
    s.add(HubToken(name=name, role=role, station_id=station_id, token_hash=token_hash(token), created_at=now()))
    return token


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() or c == "\x00" for c in name):
        raise UserFacingError(f"'{name}' is not a usable name: use 1-64 characters without spaces.")
    return name


def create_station(s: Session, name: str) -> str:
    """Register station NAME (its station.id) and return its new token, shown only this once."""
    name = _check_name(name)
    station = s.get(HubStation, name, with_for_update=True)
    if station is None:
        s.add(HubStation(id=name, created_at=now()))
        s.flush()
    else:
        active = s.execute(
            select(HubToken.id).where(HubToken.station_id == name, HubToken.revoked_at.is_(None))
        ).first()
        if active is not None:
            raise UserFacingError(
                f"Station '{name}' already has a token. Run 'station hub revoke-station {name}' first "
                "to replace it."
            )
        station.revoked_at = None  # a new token brings a revoked station back; its chain continues
    return _issue(s, name, STATION, name)


def revoke_station(s: Session, name: str) -> int:
    """Revoke every token of station NAME; returns how many were active."""
    station = s.get(HubStation, name)
    if station is None:
        raise UserFacingError(f"No station named '{name}' is registered on this hub.")
    station.revoked_at = now()
    result = s.execute(
        update(HubToken).where(HubToken.station_id == name, HubToken.revoked_at.is_(None)).values(revoked_at=now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def create_reader(s: Session, name: str) -> str:
    """A supervisor/integration read token; it can read every station but never write."""
    return _issue(s, _check_name(name), READER, None)


def revoke_reader(s: Session, name: str) -> int:
    result = s.execute(
        update(HubToken)
        .where(HubToken.name == name, HubToken.role == READER, HubToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise UserFacingError(f"No active read token named '{name}' exists on this hub.")
    return int(result.rowcount)  # type: ignore[attr-defined]


def list_tokens(s: Session) -> list[HubToken]:
    return list(s.execute(select(HubToken).order_by(HubToken.role, HubToken.name, HubToken.id)).scalars())

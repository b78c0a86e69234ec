"""Tokens: per-station write tokens and supervisor read tokens, stored as sha256 only.

A token is 256 random bits, so a plain sha256 is enough to store it (no salt or slow
hash needed: there is nothing to guess). The plain token is shown once, at creation.
A station token writes and reads only as its own station; a reader token only reads.
"""

from __future__ import annotations

import getpass
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session

from station.errors import UserFacingError
from station.sync.hub.models import HubStation, HubToken

STATION = "station"
READER = "reader"
_PREFIX = {STATION: "sth_", READER: "rdh_"}
LAST_USED_STEP = timedelta(minutes=1)


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
    site_id: str | None = None  # a reader bound to one site sees that site's stations only


class AuthError(Exception):
    """Missing, unknown or revoked token (HTTP 401)."""


# built once, the hash a bound parameter: a statement built per request costs SQLAlchemy its cache key every
# time, twice what the lookup costs otherwise (0.5-0.7 instead of 0.27 ms of CPU per request here)
_LOOKUP = select(HubToken.id, HubToken.role, HubToken.name, HubToken.station_id, HubToken.site_id,
                 HubToken.revoked_at, HubToken.expires_at, HubToken.last_used_at
                 ).where(HubToken.token_hash == bindparam("token_hash"))


def authenticate(s: Session | Connection, token: str | None) -> Principal:
    """Who the token is, read from the database on every call: a revocation counts from the next request.
    One SELECT, and an UPDATE of last_used_at at most once a minute per token; on a Connection in autocommit
    (the hub's front door) neither needs a transaction."""
    if not token:
        raise AuthError("No token was sent. Send 'Authorization: Bearer <token>'.")
    row = s.execute(_LOOKUP, {"token_hash": token_hash(token)}).first()
    if row is None:
        raise AuthError("This token is not known to the hub. Check the token, or ask for a new one.")
    token_id, role, name, station_id, site_id, revoked_at, expires_at, last_used_at = row
    if revoked_at is not None:
        raise AuthError(f"The token for '{name}' was revoked. Ask the hub administrator for a new one.")
    t = now()
    if expires_at is not None and expires_at <= t:
        raise AuthError(f"The token for '{name}' expired at {expires_at:%Y-%m-%d %H:%M} UTC. "
                        "Ask the hub administrator for a new one ('station hub rotate-token').")
    if last_used_at is None or t - last_used_at > LAST_USED_STEP:
        # to the minute: not one write per request
        s.execute(update(HubToken).where(HubToken.id == token_id).values(last_used_at=t))
    return Principal(role, name, station_id, site_id)


def who_acts(by: str | None) -> str:
    """The identity recorded for a token change: --by, else the account running the command."""
    if by and by.strip():
        return by.strip()[:120]
    try:
        return f"os:{getpass.getuser()}"[:120]
    except (KeyError, OSError):
        return "os:unknown"


def _issue(s: Session, name: str, role: str, station_id: str | None, by: str | None = None,
           expires_days: float | None = None, site: str | None = None) -> str:
    token = _PREFIX[role] + secrets.token_urlsafe(32)
    t = now()
    s.add(HubToken(name=name, role=role, station_id=station_id, site_id=site, token_hash=token_hash(token),
                   created_at=t,
                   created_by=who_acts(by), expires_at=t + timedelta(days=expires_days) if expires_days else None))
    return token


def rotate_station_token(s: Session, name: str, by: str | None = None, grace_hours: float = 24.0,
                         expires_days: float | None = None) -> str:
    """A new token for station NAME; its current tokens keep working for `grace_hours`, so the station can be
    given the new one without an outage (0: they stop now)."""
    station = s.get(HubStation, name, with_for_update=True)
    if station is None or station.revoked_at is not None:
        raise UserFacingError(f"No active station named '{name}' is registered on this hub; "
                              f"use 'station hub create-station {name}'.")
    end = now() + timedelta(hours=max(0.0, grace_hours))
    for old in s.execute(select(HubToken).where(HubToken.station_id == name, HubToken.revoked_at.is_(None))).scalars():
        if old.expires_at is None or old.expires_at > end:
            old.expires_at = end
    return _issue(s, name, STATION, name, by, expires_days)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() or c == "\x00" for c in name):
        raise UserFacingError(f"'{name}' is not a usable name: use 1-64 characters without spaces.")
    return name


def create_station(s: Session, name: str, by: str | None = None, expires_days: float | None = None,
                   site: str | None = None) -> str:
    """Register station NAME (its station.id), at `site` if given, and return its new token, shown only once."""
    from station.sync.hub import sites

    name = _check_name(name)
    station = s.get(HubStation, name, with_for_update=True)
    if station is None:
        s.add(HubStation(id=name, created_at=now(), site_id=sites.existing(s, site)))
        s.flush()
    else:
        if site is not None:
            station.site_id = sites.existing(s, site)
        active = s.execute(
            select(HubToken.id).where(HubToken.station_id == name, HubToken.revoked_at.is_(None))
        ).first()
        if active is not None:
            raise UserFacingError(
                f"Station '{name}' already has a token. Run 'station hub rotate-token {name}' to give it "
                "another without an outage."
            )
        station.revoked_at = None  # a new token brings a revoked station back; its chain continues
    return _issue(s, name, STATION, name, by, expires_days)


def revoke_station(s: Session, name: str, by: str | None = None) -> int:
    """Revoke every token of station NAME; returns how many were active."""
    station = s.get(HubStation, name)
    if station is None:
        raise UserFacingError(f"No station named '{name}' is registered on this hub.")
    station.revoked_at = now()
    result = s.execute(
        update(HubToken).where(HubToken.station_id == name, HubToken.revoked_at.is_(None))
        .values(revoked_at=now(), revoked_by=who_acts(by))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def create_reader(s: Session, name: str, by: str | None = None, expires_days: float | None = None,
                  site: str | None = None) -> str:
    """A supervisor/integration read token; it never writes, and reads every station or only `site`'s."""
    from station.sync.hub import sites

    return _issue(s, _check_name(name), READER, None, by, expires_days, sites.existing(s, site))


def revoke_reader(s: Session, name: str, by: str | None = None) -> int:
    result = s.execute(
        update(HubToken)
        .where(HubToken.name == name, HubToken.role == READER, HubToken.revoked_at.is_(None))
        .values(revoked_at=now(), revoked_by=who_acts(by))
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise UserFacingError(f"No active read token named '{name}' exists on this hub.")
    return int(result.rowcount)  # type: ignore[attr-defined]


def list_tokens(s: Session) -> list[HubToken]:
    return list(s.execute(select(HubToken).order_by(HubToken.role, HubToken.name, HubToken.id)).scalars())

"""Sites: the benches of one building. Stations and reader tokens belong to a site, and a
reader (or console account) bound to a site sees that site's stations and nothing else.

Scoping is one subquery, `in_site(column, site)`, added to every read: a station id that is
not in the caller's site is filtered out by the database, never by the page that shows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from station.errors import UserFacingError
from station.sync import documents
from station.sync.hub import configdocs
from station.sync.hub.models import HubBlob, HubSite, HubStation


def site_document(verify_url: str) -> str:
    return f"verify_url = {json.dumps(verify_url)}\n"  # a JSON string is a TOML basic string


def _push(s: Session, site: str, verify_url: str | None) -> None:
    """Hand the address to the site's stations: a `site` document named after the site, which the hub's
    configuration index shows to that site's stations only (configdocs.for_station)."""
    if not documents.valid_name(site):
        raise UserFacingError(f"Site '{site}' cannot pass a verification address to its stations: its name must "
                              "be 1-64 of a-z, 0-9, '_' and '-' to travel as a configuration document.")
    if verify_url:
        configdocs.publish(s, "site", site, site_document(verify_url))
    elif configdocs.get(s, "site", site) is not None:
        configdocs.unpublish(s, "site", site)


def existing(s: Session, site: str | None) -> str | None:
    """`site` when it is registered; None stays None (every site)."""
    if site is None:
        return None
    if s.get(HubSite, site) is None:
        raise UserFacingError(f"No site named '{site}' is registered on this hub; "
                              f"create it with 'station hub site {site}'.")
    return site


def ensure(s: Session, site: str, verify_url: str | None = None) -> HubSite:
    """Create site `site`, or update its verification address when one is given."""
    site = site.strip()
    if not site or len(site) > 64 or any(c.isspace() or c in "/\x00" for c in site):
        raise UserFacingError(f"'{site}' is not a usable site name: use 1-64 characters without spaces or '/'.")
    row = s.get(HubSite, site)
    if row is None:
        row = HubSite(id=site, created_at=datetime.now(UTC))
        s.add(row)
    if verify_url is not None:
        row.verify_url = documents.check_verify_url(verify_url) if verify_url else None
        s.flush()
        _push(s, site, row.verify_url)
    s.flush()
    return row


def assign(s: Session, station: str, site: str | None) -> None:
    row = s.get(HubStation, station)
    if row is None:
        raise UserFacingError(f"No station named '{station}' is registered on this hub.")
    row.site_id = existing(s, site)


def in_site(column: Any, site: str | None) -> ColumnElement[bool]:
    """A filter keeping rows whose station `column` belongs to `site` (every row when site is None)."""
    if site is None:
        return true()
    return column.in_(select(HubStation.id).where(HubStation.site_id == site))


def station_visible(s: Session, station: str, site: str | None) -> bool:
    row = s.get(HubStation, station)
    return row is not None and (site is None or row.site_id == site)


def blob_visible(s: Session, sha256: str, site: str | None) -> bool:
    """A photo or PDF is its uploader's: a site-bound reader gets only its own stations' files."""
    if site is None:
        return True
    return s.execute(select(HubBlob.sha256).where(HubBlob.sha256 == sha256,
                                                  in_site(HubBlob.station_id, site))).first() is not None


def verify_url_of(s: Session, station: str) -> str | None:
    """The base address a certificate issued at `station` should point its QR code at."""
    row = s.execute(select(HubSite.verify_url).join(HubStation, HubStation.site_id == HubSite.id)
                    .where(HubStation.id == station)).scalar_one_or_none()
    return row


@dataclass(frozen=True)
class SiteInfo:
    id: str
    verify_url: str | None
    stations: list[str]


def list_sites(s: Session) -> list[SiteInfo]:
    members: dict[str | None, list[str]] = {}
    for sid, site in s.execute(select(HubStation.id, HubStation.site_id).order_by(HubStation.id)):
        members.setdefault(site, []).append(sid)
    return [SiteInfo(r.id, r.verify_url, members.get(r.id, []))
            for r in s.execute(select(HubSite).order_by(HubSite.id)).scalars()]

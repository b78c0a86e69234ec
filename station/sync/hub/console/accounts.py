"""Console accounts and sessions.

The accounts are the supervisors the hub already pushes to stations: entries of the published
`operators` documents with `role = "supervisor"`, a `pin_hash` (scrypt, as the station stores
it) and a `console` role (site_manager, auditor or admin; a site manager names its `site`).
So a supervisor has one secret for the bench and the console, and withdrawing the document
ends both. A signed-in browser holds a random session cookie; the hub stores its sha256 with
the account's role and site and a CSRF token that every form posts back.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from station.operators import verify_pin
from station.sync.hub.auth import now, token_hash
from station.sync.hub.models import HubConfigDocument, HubConsoleSession

SITE_MANAGER, AUDITOR, ADMIN = "site_manager", "auditor", "admin"
SESSION_TTL = timedelta(hours=12)
# A hash to check a wrong name against, so an unknown name costs the same scrypt time as a known one.
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    site: str | None  # None: every site (an admin, or an auditor of the whole fleet)

    @property
    def label(self) -> str:
        return self.role.replace("_", " ") + (f" · {self.site}" if self.site else " · all sites")


@dataclass(frozen=True)
class SignedIn:
    account: Account
    csrf: str


def _entries(s: Session) -> list[dict[str, object]]:
    """Supervisor entries of the newest version of every operators document that is not withdrawn."""
    latest = (select(HubConfigDocument.name, func.max(HubConfigDocument.version).label("v"))
              .where(HubConfigDocument.kind == "operators").group_by(HubConfigDocument.name).subquery())
    docs = s.execute(select(HubConfigDocument).join(
        latest, (HubConfigDocument.name == latest.c.name) & (HubConfigDocument.version == latest.c.v))
        .where(HubConfigDocument.kind == "operators").order_by(HubConfigDocument.name)).scalars()
    out = []
    for d in docs:
        if d.withdrawn:
            continue
        for r in json.loads(d.body):  # checked at publish with the station's loader
            if r.get("role") == "supervisor" and r.get("console") and r.get("pin_hash") and r.get("active", True):
                out.append(r)
    return out


def authenticate(s: Session, login: str, secret: str) -> Account | None:
    """The console account whose name or badge is `login` and whose PIN or password is `secret`."""
    login = " ".join(login.split()).lower()
    found = [r for r in _entries(s) if str(r["name"]).lower() == login or str(r["badge"]).lower() == login]
    stored = str(found[0]["pin_hash"]) if len(found) == 1 else _DUMMY
    if not verify_pin(secret, stored) or len(found) != 1:
        return None
    r = found[0]
    role = str(r["console"])
    site = str(r["site"]) if role == SITE_MANAGER or (role == AUDITOR and r.get("site")) else None
    return Account(str(r["name"]), role, site)


def start(s: Session, account: Account) -> tuple[str, str]:
    """A new session: (cookie value, CSRF token). Expired sessions are swept on the way."""
    t = now()
    s.execute(delete(HubConsoleSession).where(HubConsoleSession.expires_at <= t))
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    s.add(HubConsoleSession(token_hash=token_hash(cookie), account=account.name, role=account.role,
                            site_id=account.site, csrf=csrf, created_at=t, expires_at=t + SESSION_TTL))
    return cookie, csrf


def lookup(s: Session, cookie: str | None) -> SignedIn | None:
    if not cookie:
        return None
    row = s.get(HubConsoleSession, token_hash(cookie))
    if row is None or row.expires_at <= now():
        return None
    return SignedIn(Account(row.account, row.role, row.site_id), row.csrf)


def end(s: Session, cookie: str | None) -> None:
    if cookie:
        s.execute(delete(HubConsoleSession).where(HubConsoleSession.token_hash == token_hash(cookie)))


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))

"""What the status bar and `station sync status` show: online/offline, backlog, last error.

The worker writes its outcome to the Meta table after every pass, so any process (the
GUI, the CLI) reads the same picture with one cheap read transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from station import clock
from station.context import StationContext
from station.models import Meta
from station.store import Store
from station.sync import outbox

KEYS = ("sync.state", "sync.last_ok_at", "sync.last_attempt_at", "sync.last_error", "sync.clock_skew_s")
SKEW_WARN_S = 120.0  # beyond this the status bar warns: certificates and shifts carry station time

SyncState = Literal["off", "online", "offline", "refused", "unknown"]  # unknown: never tried
OFF: Final = "off"
ONLINE: Final = "online"
OFFLINE: Final = "offline"
REFUSED: Final = "refused"
QUARANTINE = "sync.quarantine."  # + kind/name: why a document from the hub was not applied


@dataclass
class SyncStatus:
    state: SyncState
    backlog_events: int
    backlog_blobs: int
    last_ok_at: str | None = None
    last_attempt_at: str | None = None
    last_error: str | None = None
    clock_skew_s: float | None = None
    hub_url: str = ""
    quarantined: tuple[str, ...] = ()  # sentences: hub documents that did not load, events the hub refused

    @property
    def online(self) -> bool:
        return self.state == ONLINE

    @property
    def backlog(self) -> int:
        return self.backlog_events + self.backlog_blobs

    @property
    def level(self) -> str:
        """Status bar level: ok | info | warn | error."""
        if self.state == OFF:
            return "info"
        if self.state == REFUSED:
            return "error"
        if self.state != ONLINE or self.skew_warning or self.quarantined:
            return "warn"
        return "ok" if self.backlog == 0 else "info"

    @property
    def skew_warning(self) -> str | None:
        if self.clock_skew_s is None or abs(self.clock_skew_s) < SKEW_WARN_S:
            return None
        ahead = "ahead of" if self.clock_skew_s > 0 else "behind"
        return f"this station's clock is {abs(self.clock_skew_s) / 60:.0f} min {ahead} the hub's; fix the time"

    @property
    def text(self) -> str:
        """One short line for the status bar, e.g. 'Hub: online, 12 to send'."""
        if self.state == OFF:
            return "Hub: sync off"
        waiting = f"{self.backlog} to send" if self.backlog else "all sent"
        head = {ONLINE: "online", OFFLINE: "offline", REFUSED: "refused"}.get(self.state, "not contacted yet")
        line = f"Hub: {head}, {waiting}"
        if self.quarantined:
            n = len(self.quarantined)
            line += f", {n} quarantined"
        if self.skew_warning:
            line += f" ({self.skew_warning})"
        return line


def _state(stored: str | None) -> SyncState:
    return cast(SyncState, stored) if stored in get_args(SyncState) else "unknown"


def status(ctx: StationContext) -> SyncStatus:
    """The sync picture for the status bar: cheap, never touches the network, never raises on a fresh store."""
    counts = outbox.backlog(ctx.store)
    with ctx.store.reader() as s:
        meta = dict(s.execute(select(Meta.key, Meta.value).where(Meta.key.in_(KEYS))).all())
        held = tuple(s.execute(select(Meta.value).where(Meta.key.like(QUARANTINE + "%")).order_by(Meta.key))
                     .scalars())
    enabled = bool(ctx.config.get_str("sync.hub_url"))
    skew = meta.get("sync.clock_skew_s")
    return SyncStatus(
        state=_state(meta.get("sync.state")) if enabled else OFF,
        backlog_events=counts[outbox.EVENT], backlog_blobs=counts[outbox.BLOB],
        last_ok_at=meta.get("sync.last_ok_at"), last_attempt_at=meta.get("sync.last_attempt_at"),
        last_error=meta.get("sync.last_error") or None, clock_skew_s=float(skew) if skew else None,
        hub_url=ctx.config.get_str("sync.hub_url"), quarantined=held + tuple(outbox.refused_events(ctx.store)),
    )


def record(store: Store, state: str, error: str | None, clock_skew_s: float | None) -> None:
    """Save the outcome of a pass (one short write)."""
    now = clock.iso()
    values = {"sync.state": state, "sync.last_attempt_at": now, "sync.last_error": error or ""}
    if state == ONLINE and not error:
        values["sync.last_ok_at"] = now
    if clock_skew_s is not None:
        values["sync.clock_skew_s"] = f"{clock_skew_s:.3f}"
    with store.session() as s:
        for key, value in values.items():
            set_meta(s, key, value)


def set_meta(s: Session, key: str, value: str) -> None:
    """Insert or replace one Meta row in the caller's transaction."""
    stmt = sqlite_insert(Meta).values(key=key, value=value)
    s.execute(stmt.on_conflict_do_update(index_elements=[Meta.key], set_={"value": value}))

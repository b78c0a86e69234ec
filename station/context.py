"""The opened station: data dir, settings, store and who is signed in.

Built once per process by the CLI or the GUI and handed to everything that needs it.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from pathlib import Path

from station import events
from station.config import Config
from station.models import Meta
from station.paths import DataDir, resolve_data_dir
from station.store import Store

log = logging.getLogger(__name__)


@dataclass
class Operator:
    """The signed-in operator, as the core sees it (a plain value, not a DB row)."""

    id: int
    name: str
    role: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


@dataclass
class StationContext:
    data: DataDir
    config: Config
    store: Store
    station_id: str
    demo: bool = False
    operator: Operator | None = field(default=None)

    @property
    def actor(self) -> events.Actor:
        op = self.operator
        return events.Actor(self.station_id, op.id if op else None, op.name if op else None)

    def close(self) -> None:
        self.store.close()


def _station_id(store: Store, config: Config) -> str:
    configured = config["station.id"]
    if configured:
        return str(configured)
    with store.session() as s:
        row = s.get(Meta, "station_id")
        if row is None:
            row = Meta(key="station_id", value=socket.gethostname().split(".")[0] or "station")
            s.add(row)
        return row.value


def open_station(data_dir: str | Path | None = None, *, demo: bool = False) -> StationContext:
    """Resolve the data dir, load settings (errors name file and key), open and migrate the store."""
    data = DataDir(resolve_data_dir(data_dir)).ensure()
    config = settings(data)
    store = Store(data.database)
    ctx = StationContext(data, config, store, _station_id(store, config), demo=demo or config["station.demo"])
    log.info("station %s opened at %s (demo=%s)", ctx.station_id, data.root, ctx.demo)
    return ctx


def open_readonly_path(data_dir: str | Path | None) -> DataDir:
    """The data dir without creating or migrating anything (for `db check`)."""
    return DataDir(resolve_data_dir(data_dir))


def settings(data: DataDir) -> Config:
    """The data dir's settings, over IT's /etc/triage-station/station.toml on an installed bench."""
    return Config.load(data.config_file, base=data.system_config)

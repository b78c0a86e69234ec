"""Sync upstream: the outbox drains to the hub in the background; configuration comes back down.

For the app: `SyncWorker(ctx).start()` / `.stop()` (its own thread, never the GUI's),
`status(ctx)` for the status bar. For scripts: `run_once(ctx) -> SyncReport`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from station.sync.runner import SyncReport, run_once
    from station.sync.state import SyncStatus, status
    from station.sync.worker import SyncWorker

# Imported on first use, so the hub (station.sync.hub) loads without the station's HTTP client:
# a hub install has no httpx.
_HOMES = {
    "SyncReport": "station.sync.runner", "run_once": "station.sync.runner",
    "SyncStatus": "station.sync.state", "status": "station.sync.state", "SyncWorker": "station.sync.worker",
}

__all__ = ["SyncReport", "SyncStatus", "SyncWorker", "run_once", "status"]


def __getattr__(name: str) -> object:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'station.sync' has no attribute {name!r}")

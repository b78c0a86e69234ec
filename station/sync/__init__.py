"""Sync upstream: the outbox drains to the hub in the background; configuration comes back down.

For the app: `SyncWorker(ctx).start()` / `.stop()` (its own thread, never the GUI's),
`status(ctx)` for the status bar. For scripts: `run_once(ctx) -> SyncReport`.
"""

from station.sync.runner import SyncReport, run_once
from station.sync.state import SyncStatus, status
from station.sync.worker import SyncWorker

__all__ = ["SyncReport", "SyncStatus", "SyncWorker", "run_once", "status"]

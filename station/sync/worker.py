"""The background sync thread: drains the outbox whenever the hub is reachable.

It never runs on the GUI thread and never holds a database transaction while it talks
to the network. After a failed pass it waits with exponential backoff and jitter, so a
hub coming back is not hit by every station at the same moment. All progress lives in
the database, so a restarted station simply carries on.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

from station.context import StationContext
from station.sync.client import HubClient, HubError, HubRefused
from station.sync.runner import SyncReport, run_once
from station.sync.state import OFF, OFFLINE, ONLINE, REFUSED, record

log = logging.getLogger(__name__)


def backoff_delay(failures: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Exponential backoff with 'equal jitter': between half and all of min(cap, base * 2^(n-1))."""
    ceiling = min(cap_s, base_s * 2 ** max(0, min(failures - 1, 30)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class SyncWorker:
    """`start()` once the station is open, `stop()` before it closes; `wake()` after writing work to send."""

    def __init__(self, ctx: StationContext, *, interval_s: float | None = None, base_s: float = 2.0,
                 cap_s: float = 300.0, on_report: Callable[[SyncReport], None] | None = None,
                 rng: random.Random | None = None) -> None:
        self.ctx = ctx
        self.interval_s = float(interval_s if interval_s is not None else ctx.config["sync.interval_s"])
        self.base_s, self.cap_s = base_s, cap_s
        self.on_report = on_report
        self.failures = 0
        self.last_report: SyncReport | None = None
        self._rng = rng or random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: HubClient | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        if not self.ctx.config["sync.hub_url"]:
            log.info("sync off: sync.hub_url is empty")
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="station-sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run a pass now instead of at the next interval (e.g. right after a unit was saved).

        While the hub is unreachable this does nothing: the backoff decides when to try again.
        """
        if self.failures == 0:
            self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish its current request and exit; waits up to `timeout` seconds."""
        self._stop.set()
        self._wake.set()  # set directly: stop must interrupt a backoff wait too
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("sync thread still busy after %.0f s; it stops after its current request", timeout)
        if self._client is not None:
            self._client.close()
            self._client = None

    def _one_pass(self) -> SyncReport:
        try:
            if self._client is None:
                self._client = HubClient.from_config(self.ctx.config)
            return run_once(self.ctx, client=self._client, should_stop=self._stop.is_set)
        except HubError as exc:  # no usable client (e.g. no token): say so in the status bar
            st = REFUSED if isinstance(exc, HubRefused) else OFFLINE
            record(self.ctx.store, st, str(exc), None)
            return SyncReport(errors=[str(exc)], state=st)
        except Exception as exc:  # a bug must not end the thread: log it and back off
            log.exception("sync pass failed")
            return SyncReport(errors=[f"sync failed unexpectedly ({type(exc).__name__}); see the station log"])

    def _loop(self) -> None:
        while not self._stop.is_set():
            report = self._one_pass()
            self.last_report = report
            if self.on_report is not None:
                try:
                    self.on_report(report)
                except Exception:
                    log.exception("sync report listener failed")
            if report.state in (ONLINE, OFF):  # per-item problems are retried per item, not by backing off
                self.failures = 0
                delay = self.interval_s
            else:
                self.failures += 1
                delay = backoff_delay(self.failures, self.base_s, self.cap_s, self._rng)
            if self._stop.is_set():
                break
            self._wake.wait(delay)
            self._wake.clear()

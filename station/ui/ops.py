"""All background work goes through one helper.

    Op(parent, fn, *args).success(cb).failure(cb).with_progress("Saving").changes("units").run()

DB writes are serialized on one executor (one thread), network work runs on another
pool, and results come back to the GUI thread by signal. A write announces what it
changed through `Changes`, and panels refresh themselves; they never call each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

from station.errors import Cancelled, UserFacingError
from station.i18n import _

log = logging.getLogger(__name__)

# What a write can announce, and what a panel can listen for.
Topic = Literal["units", "events", "devices", "camera", "sync", "wipe", "grades", "photos", "labels", "lots",
                "routes", "operator", "operators", "config"]


class Changes(QObject):
    """'Something changed' notices: topics like 'units', 'events', 'devices', 'sync'."""

    changed = Signal(object)  # set[Topic]
    message = Signal(str, str)  # level, text: for the status line
    device_state = Signal(str, str)  # kind, state ("connected", "unplugged"...): one truth for every widget

    _instance: Changes | None = None

    @classmethod
    def hub(cls) -> Changes:
        if cls._instance is None:
            hub = cls()
            app = QCoreApplication.instance()
            if app is not None:
                # It may be first asked for from a worker thread (a phone erase's progress); an
                # object left in that thread would queue every notice to a thread that has ended.
                hub.moveToThread(app.thread())
            cls._instance = hub
        return cls._instance


def _pool(name: str, threads: int) -> QThreadPool:
    pool = QThreadPool()
    pool.setMaxThreadCount(threads)
    pool.setObjectName(name)
    return pool


_POOLS: dict[str, QThreadPool] = {}


def pool(kind: str) -> QThreadPool:
    """'db': one thread, so writes are serialized; 'net' and 'io': a few threads."""
    if kind not in _POOLS:
        _POOLS[kind] = _pool(kind, 1 if kind == "db" else 4)
    return _POOLS[kind]


def shutdown(timeout_ms: int = 5000) -> bool:
    """Drop queued work and wait for running work, so no worker thread outlives the app."""
    done = True
    for p in _POOLS.values():
        p.clear()
        done = p.waitForDone(timeout_ms) and done
    return done


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn, self.relay = fn, relay

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # handed to the GUI thread; never kills the pool
            outcome, value = self.relay.failed, exc
        else:
            outcome, value = self.relay.done, result
        try:
            outcome.emit(value)
        except RuntimeError:  # the app is shutting down and the relay is gone
            log.debug("result of background work dropped at shutdown")


class Op:
    _running: set[Op] = set()  # keep relays alive until they report

    def __init__(self, parent: QObject | None, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.parent = parent
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self._success: Callable[[Any], object] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._progress: str | None = None
        self._changes: set[Topic] = set()
        self._pool = "db"

    def success(self, cb: Callable[[Any], object]) -> Op:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Op:
        self._failure = cb
        return self

    def with_progress(self, label: str) -> Op:
        self._progress = label
        return self

    def changes(self, *topics: Topic) -> Op:
        self._changes.update(topics)
        return self

    def on(self, pool_kind: str) -> Op:
        self._pool = pool_kind
        return self

    def run(self) -> None:
        relay = _Relay()
        relay.done.connect(self._done)
        relay.failed.connect(self._failed)
        self._relay = relay
        Op._running.add(self)
        if self._progress:
            Changes.hub().message.emit("busy", self._progress + "…")
        pool(self._pool).start(_Job(lambda: self.fn(*self.args, **self.kwargs), relay))

    def _done(self, result: Any) -> None:
        Op._running.discard(self)
        if self._progress:
            Changes.hub().message.emit("idle", "")
        if self._changes:
            Changes.hub().changed.emit(set(self._changes))
        if self._success and self._parent_alive():
            self._success(result)

    def _parent_alive(self) -> bool:
        # The widget that asked may be gone (window closed) before the work finished: drop its callbacks.
        return self.parent is None or shiboken6.isValid(self.parent)

    def _failed(self, exc: BaseException) -> None:
        Op._running.discard(self)
        if self._progress:
            Changes.hub().message.emit("idle", "")
        if isinstance(exc, Cancelled):
            return
        if self._failure and self._parent_alive():
            self._failure(exc)
        else:
            report_error(exc)


def report_error(exc: BaseException) -> None:
    """UserFacingError text as written; anything else logged with traceback, shown briefly."""
    if isinstance(exc, Cancelled):
        return
    if isinstance(exc, UserFacingError):
        Changes.hub().message.emit("error", str(exc))
        return
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    Changes.hub().message.emit("error", _("Something went wrong ({error}); details are in the log.").format(
        error=type(exc).__name__))

"""The app's printer service: which printer to use now, and sending labels off the GUI thread.

Printing runs on the 'net' pool: the printer may take seconds to answer, and the
database executor must never wait on it. The short queue writes inside it are their
own transactions. Queued labels (auto-print on finish, or a printer that was off) are
sent again when units change and every `printer.retry_s` seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from station.context import StationContext
from station.devices.manager import DeviceManager
from station.errors import DeviceError
from station.i18n import _, ngettext
from station.labels import flow, queue
from station.ui.ops import Changes, Op

log = logging.getLogger(__name__)


class PrinterService(QObject):
    retried = Signal(int, int)  # printed, still queued

    def __init__(self, ctx: StationContext, devices: DeviceManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.devices = ctx, devices
        self.retrying = False
        self.timer = QTimer(self, interval=int(ctx.config.get_float("printer.retry_s") * 1000))
        self.timer.timeout.connect(self.retry)
        self.timer.start()
        Changes.hub().changed.connect(self._on_changed)

    def printer(self) -> Any:
        """A session on the printer attached now (real before simulated); DeviceError when none."""
        infos = sorted(self.devices.devices("printer"), key=lambda i: i.simulated)
        if not infos:
            raise DeviceError(_("No label printer is connected: set printer.kind and printer.connection in the "
                                "settings, or plug the printer in. The label stays queued."))
        return self.devices.session_for(infos[0])

    def printer_label(self) -> str:
        infos = sorted(self.devices.devices("printer"), key=lambda i: i.simulated)
        return infos[0].label if infos else _("no printer")

    def print_unit(self, uid: str, layout: str | None, *, reprint: bool,
                   done: Callable[[Any], None], failed: Callable[[BaseException], None]) -> None:
        def work() -> Any:
            printer = self.printer()
            if reprint:
                return flow.reprint(self.ctx, printer, uid, layout)
            return queue.print_unit(self.ctx, printer, uid, layout)

        Op(self, work).on("net").with_progress(_("Printing the label")).changes("labels", "events") \
            .success(done).failure(failed).run()

    def _on_changed(self, topics: set[str]) -> None:
        if "units" in topics:
            self.retry()

    def retry(self) -> None:
        """Send whatever is queued; quiet when nothing is, or when no printer is attached."""
        if self.retrying or not self.devices.devices("printer"):
            return
        self.retrying = True

        def work() -> tuple[int, int, str | None]:
            if not queue.pending(self.ctx):
                return 0, 0, None
            return queue.retry_pending(self.ctx, self.printer())

        Op(self, work).on("net").success(self._retried).failure(self._retry_failed).run()

    def _retried(self, result: tuple[int, int, str | None]) -> None:
        self.retrying = False
        done, left, error = result
        if done:
            Changes.hub().changed.emit({"labels", "events"})
            Changes.hub().message.emit("ok", ngettext("{count} queued label printed.", "{count} queued labels printed.",
                                                      done).format(count=done))
        if error:
            Changes.hub().message.emit("warn", error)
        self.retried.emit(done, left)

    def _retry_failed(self, exc: BaseException) -> None:
        self.retrying = False
        log.warning("retrying queued labels failed: %s", exc)

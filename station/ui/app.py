"""Start the bench app: settings, store, devices (or the demo), the main window.

An exception escaping a slot is logged with its traceback and shown briefly in the
status bar; it never stops background work (wipes run in their own processes).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from station import registry
from station.errors import UserFacingError
from station.i18n import _
from station.log import setup_logging
from station.ui.i18n import install as install_language
from station.ui.ops import report_error

log = logging.getLogger(__name__)


def _excepthook(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        QApplication.quit()
        return
    report_error(exc.with_traceback(tb))


def create_window(data_dir: str | Path | None = None, *, demo: bool = False):
    """Open the station and build the main window (used by run() and by tests)."""
    from station.context import open_station
    from station.ui.main_window import MainWindow

    ctx = open_station(data_dir, demo=demo)
    setup_logging(ctx.data.log_dir)
    log.info("interface language: %s", install_language(ctx.config.get_str("ui.language") or None))
    devices = registry.build(ctx.config, ctx.data.root, demo=ctx.demo)
    ctx.demo = devices.demo
    log.info("devices: %s (%s)", devices.manager.summary(), devices.reason)
    window = MainWindow(ctx, devices.manager, demo=devices.demo)
    from station.sync import SyncWorker
    from station.ui.ops import Changes

    # The outbox drains in its own thread; the bench never waits on the hub.
    window.sync_worker = SyncWorker(ctx, on_report=lambda _report: Changes.hub().changed.emit({"sync"}))
    window.sync_worker.start()
    return window


def close_station(window) -> None:
    """Stop background work in order: queued UI work, sync, devices, then the store."""
    from station.ui.ops import shutdown

    phones = getattr(window, "phones", None)
    if phones is not None:
        phones.close()
    shutdown()
    worker = getattr(window, "sync_worker", None)
    if worker is not None:
        worker.stop()
    window.devices.close()
    window.ctx.close()


def _screenshot(window, path: Path) -> None:
    """Grab what the display server shows (not a widget render), then quit."""
    screen = window.screen()
    pixmap = screen.grabWindow(0, window.x(), window.y(), window.frameGeometry().width(),
                               window.frameGeometry().height())
    pixmap.save(str(path))
    QApplication.quit()


def run(data_dir: str | Path | None = None, *, demo: bool = False, script_pace_s: float | None = None) -> int:
    """The bench app. With `script_pace_s`, a scripted shift plays in it at that pace and the app exits
    with the script's status (0 when the unit was finished) after printing its summary."""
    t0 = time.perf_counter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Triage station")  # an identifier (settings paths), not text
    sys.excepthook = _excepthook
    _quit_on_sigterm(app)
    try:
        window = create_window(data_dir, demo=demo)
    except UserFacingError as exc:
        QMessageBox.critical(None, _("The station cannot start"), str(exc))
        print(f"station: {exc}", file=sys.stderr)
        return 2
    window.show()
    ready = time.perf_counter() - t0
    log.info("ready to scan after %.3f s", ready)
    if os.environ.get("STATION_EXIT_WHEN_READY"):  # startup benchmark and smoke tests
        print(f"ready {ready:.4f}", flush=True)
        return 0
    if os.environ.get("STATION_SCREENSHOT"):  # README screenshot and the Xvfb smoke test
        delay = int(os.environ.get("STATION_SCREENSHOT_DELAY_MS", "1500"))
        QTimer.singleShot(delay, lambda: _screenshot(window, Path(os.environ["STATION_SCREENSHOT"])))
    if script_pace_s is not None:
        _play_script(window, script_pace_s)
    try:
        return app.exec()
    finally:
        close_station(window)


def _play_script(window, pace_s: float) -> None:
    from station.ui.demo_script import DemoScript, Outcome

    def done(outcome: Outcome) -> None:
        print(outcome.text(), flush=True)
        QApplication.exit(0 if outcome.ok else 1)

    window.activateWindow()  # the script's keys go where a person's would: the focused widget
    window.demo_script = DemoScript(window, pace_s, done)
    window.demo_script.start()


def _quit_on_sigterm(app: QCoreApplication) -> None:
    """SIGTERM (systemd, a session ending) quits like closing the window: devices closed, the demo's
    private adb server stopped. Python runs a signal handler only when it gets control, so a timer
    gives it control while Qt's event loop waits."""
    # Queued: a SIGTERM during start-up quits as soon as the event loop runs.
    signal.signal(signal.SIGTERM, lambda _n, _f: QTimer.singleShot(0, app.quit))
    tick = QTimer(app)
    tick.timeout.connect(lambda: None)
    tick.start(250)

"""Screenshots of every panel of the demo station, for docs/ (make screenshots-lang).

Run inside an X server (tests.ui.test_xvfb_screenshot.on_xvfb) with LANG and QT_SCALE_FACTOR set by the caller:
    python -m tests.ui.panel_shots OUT_DIR SUFFIX
A supervisor badge is scanned and one phone (a valid test IMEI) opened, so every panel shows a unit. One more
phone waits for its USB debugging prompt: the last shot is the Wipe panel with it selected and its instruction.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QTableView

NAMES = ("intake", "grade", "photos", "wipe", "label", "supervisor")


def _wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(out: Path, suffix: str) -> int:
    from station.sim import adb_demo
    from station.sim.adb_models import unauthorized
    from station.ui.app import close_station, create_window

    demo_phones = adb_demo.demo_phones
    adb_demo.demo_phones = lambda *a, **k: [*demo_phones(*a, **k), unauthorized()]  # type: ignore[method-assign]

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = create_window(Path(tempfile.mkdtemp()) / "data", demo=True)
    window.show()
    _wait(1500)
    out.mkdir(parents=True, exist_ok=True)
    window.scans.submit("OP-0002")
    window.show_panel(NAMES.index("wipe"))
    _wait(4000)
    # Before a unit is open: the panel selects the open unit's own phone.
    table = next(t for t in window.findChildren(QTableView) if t.objectName() == "wipe-table")
    rows = table.model()
    table.selectRow(next(r for r in range(rows.rowCount()) if rows.index(r, 1).data() == "Android phone"))
    _wait(1500)
    window.grab().save(str(out / f"wipe-phone-unauthorised-{suffix}.png"))
    window.scans.submit("356938035643809")
    _wait(1500)
    for i, name in enumerate(NAMES):
        window.show_panel(i)
        _wait(2500)
        window.grab().save(str(out / f"{name}-{suffix}.png"))
    close_station(window)
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))

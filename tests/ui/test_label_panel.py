"""The Label panel in demo mode: the preview is the printer's bitmap at an integer scale,
Ctrl+P prints it to the simulated network printer dot for dot, scan-back says so loudly
when the label is wrong, and a refused print stays queued until the printer is back."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from station import units
from station.labels import queue
from station.ui.app import create_window
from station.ui.panels.label import LabelPanel
from tests.labels.helpers import decode_all, same_pixels


def _shown_dots(panel: LabelPanel) -> np.ndarray:
    """The preview's pixmap sampled once per label dot: must equal the bitmap exactly."""
    qimg = panel.preview.pixmap().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    k = panel.preview.scale
    raw = np.frombuffer(qimg.constBits(), np.uint8).reshape(qimg.height(), qimg.bytesPerLine())[:, : qimg.width()]
    blocks = raw.reshape(qimg.height() // k, k, qimg.width() // k, k)
    assert (blocks == blocks[:, :1, :, :1]).all()  # every dot is a solid k x k block: no smoothing
    return blocks[:, 0, :, 0].copy()  # the QImage owns the memory and goes away on return


@pytest.mark.timeout(60)
def test_preview_print_scan_back_and_queue(qtbot, data_dir) -> None:  # type: ignore[no-untyped-def]
    w = create_window(data_dir, demo=True)
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    ctx = w.ctx
    with ctx.store.session() as s:
        uid = units.create(s, ctx.actor, {"imei": "356938035643809"}, make="Apple", model="iPhone 12",
                           sale_grade="B", wipe_status="sanitized").uid
    panel = w.panel(LabelPanel)
    qtbot.keyClick(w, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert w.tabs.currentWidget() is panel
    w.set_unit(uid)
    qtbot.waitUntil(lambda: panel.rendered is not None and panel.rendered.uid == uid, timeout=10000)
    bitmap = panel.rendered.image
    assert panel.preview.scale >= 1
    assert (_shown_dots(panel) == np.array(bitmap.convert("L"))).all()

    session = w.devices.session_for(w.devices.devices("printer")[0])
    server = session.server
    qtbot.keyClick(panel, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(server.jobs) == 1 and not panel.busy, timeout=10000)
    printed = server.jobs[0].images[0]
    assert same_pixels(printed, bitmap)
    assert decode_all(printed)["Code128"] == uid
    qtbot.waitUntil(lambda: panel.captured.isVisible() and panel.history.count() == 1, timeout=5000)
    assert panel.scan_box.hasFocus() or panel.awaiting == uid

    panel.scan_box.setText("U999999999")
    qtbot.keyClick(panel.scan_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.verdict.property("level") == "error", timeout=5000)
    assert panel.verdict.text().startswith("LABEL MISMATCH")
    panel.scan_box.setText(uid)
    qtbot.keyClick(panel.scan_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.verdict.property("level") == "ok", timeout=5000)
    assert panel.awaiting is None

    server.set_fault("refuse")
    panel.history.setCurrentRow(0)
    qtbot.keyClick(panel.history, Qt.Key.Key_Return)  # re-print from the unit's history
    qtbot.waitUntil(lambda: not panel.busy and panel.verdict.property("level") == "warn", timeout=10000)
    assert "refused the connection" in panel.verdict.text() and "queued" in panel.verdict.text()
    assert len(queue.pending(ctx)) == 1
    server.set_fault(None)
    qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(server.jobs) == 2, timeout=10000)
    qtbot.waitUntil(lambda: not queue.pending(ctx), timeout=5000)
    w.devices.close()
    server.stop()

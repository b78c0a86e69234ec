"""One unit's way through the bench: the step tracker follows it, each finished step moves on to
the next panel by itself, and the stage in the header and in the database follows too."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from sqlalchemy import select

from station import grading, photos, units
from station.models import Unit
from station.ui.ops import Changes
from station.ui.panels.grade import GradePanel
from station.ui.panels.intake import IntakePanel
from station.ui.panels.label import LabelPanel
from station.ui.panels.photos import PhotosPanel
from station.ui.panels.wipe import WipePanel
from tests.grading.helpers import PHONE_B_PLUS

IMEI = "356938035643809"


def _stage(w, uid: str) -> str:  # type: ignore[no-untyped-def]
    with w.ctx.store.reader() as s:
        return str(s.execute(select(Unit.stage).where(Unit.uid == uid)).scalar_one())


def test_each_finished_step_moves_on_and_the_stage_follows(qtbot, make_window, data_dir) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')
    w = make_window(data_dir)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    w.scans.submit("OP-0001")
    qtbot.waitUntil(lambda: w.ctx.operator is not None, timeout=10000)
    w.scans.submit(IMEI)
    qtbot.waitUntil(lambda: w.unit_uid is not None and w.progress is not None, timeout=10000)
    uid = w.unit_uid
    assert [w.tracker.chips[s].text() for s in ("intake", "done")] == ["✔ Intake", "Done"]
    assert w.tracker.state("grade") == "current"
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.panel(GradePanel), timeout=5000)  # a new phone: grade it
    assert "Grade" in w.banner.text()

    grading.record(w.ctx, uid, PHONE_B_PLUS)
    Changes.hub().changed.emit({"grades"})
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.panel(PhotosPanel), timeout=5000)
    assert _stage(w, uid) == "photos" and w.tracker.state("grade") == "done" and "Photos" in w.banner.text()

    rng = np.random.default_rng(7)
    for shot in photos.shot_list(w.ctx, uid):
        frame = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
        photos.save_photo(w.ctx, uid, frame, stage=shot.stage, shot=shot.name, camera="test", quality={})
    Changes.hub().changed.emit({"photos"})
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.panel(WipePanel), timeout=5000)
    assert _stage(w, uid) == "wipe"

    with w.ctx.store.session() as s:
        units.touch(units.by_uid(s, uid), wipe_status="sanitized")
    Changes.hub().changed.emit({"wipe"})
    label = w.panel(LabelPanel)
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is label and label.route_box.routes.count() > 0, timeout=5000)
    assert _stage(w, uid) == "route" and "(proposed)" in label.route_box.routes.item(0).text()
    qtbot.waitUntil(label.route_box.routes.hasFocus, timeout=3000)
    qtbot.keyClick(label.route_box.routes, Qt.Key.Key_Return)  # take the proposed route
    server = w.devices.session_for(w.devices.devices("printer")[0]).server
    qtbot.waitUntil(lambda: len(server.jobs) == 1 and label.awaiting == uid, timeout=10000)  # printed by itself
    assert _stage(w, uid) == "label"

    w.scans.submit(uid)  # the printed label, scanned back
    qtbot.waitUntil(lambda: w.progress is not None and w.progress.stage == "done", timeout=10000)
    assert _stage(w, uid) == "finished" and w.tracker.state("done") == "current"
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.panel(IntakePanel), timeout=5000)
    assert "scan the next unit" in w.banner.text()
    assert len(server.jobs) == 1  # finishing printed no second label

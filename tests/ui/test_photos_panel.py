"""The Photos panel captures a unit's required set end to end, by keys alone."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt

from station import photos, units
from station.sim.camera import write_demo_video
from station.ui.panels.photos import PhotosPanel
from tests.devices.camera_videos import SIZE, _scene, write_video


def test_capture_the_required_set_by_keys(qtbot, data_dir, make_window) -> None:
    (data_dir / "demo").mkdir(parents=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')  # no demo scans opening other units
    write_demo_video(data_dir / "demo" / "camera.avi")  # a turning device: each shot a new view
    w = make_window(data_dir)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    with w.ctx.store.session() as s:
        uid = units.create(s, w.ctx.actor, {"serial": "DRV-1"}, device_class="drive").uid
    w.set_unit(uid)
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    panel = w.panel(PhotosPanel)
    assert w.tabs.currentWidget() is panel
    qtbot.waitUntil(lambda: panel.preview.frames_shown > 2, timeout=10000)
    qtbot.waitUntil(lambda: panel.shots.count() == 3, timeout=5000)
    for n in (1, 2):  # label, connector
        qtbot.keyClick(panel.shots, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda n=n: len(photos.photos_of(w.ctx, uid)) == n, timeout=10000)
        qtbot.waitUntil(lambda: not panel.busy and panel.verdict.text().startswith("Saved"), timeout=10000)
        qtbot.wait(700)  # a person's pace: the device shows another view for the next shot
    qtbot.waitUntil(lambda: all(s.taken for s in photos.shot_list(w.ctx, uid) if s.required), timeout=5000)
    qtbot.waitUntil(lambda: panel.thumbs.count() == 2, timeout=5000)
    assert {panel.thumbs.item(i).text() for i in range(2)} == {"intake · label", "intake · connector"}


def test_command_barcode_captures_and_unplug_shows_in_the_preview(qtbot, data_dir, make_window) -> None:
    (data_dir / "demo").mkdir(parents=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')  # no demo scans opening other units
    video = write_video(data_dir / "demo" / "camera.avi", "sharp", frames=30)
    w = make_window(data_dir)
    w.show()
    with w.ctx.store.session() as s:
        uid = units.create(s, w.ctx.actor, {"serial": "DRV-2"}, device_class="drive").uid
    w.set_unit(uid)
    panel = w.panel(PhotosPanel)
    w.show_panel(w.panels.index(panel))
    qtbot.waitUntil(lambda: panel.preview.frames_shown > 2, timeout=10000)
    qtbot.waitUntil(lambda: panel.shots.count() == 3, timeout=5000)
    assert panel.handle_command("PHOTO", "connector")
    qtbot.waitUntil(lambda: not panel.busy and panel.verdict.text().startswith("Saved"), timeout=10000)
    assert [p.shot for p in photos.photos_of(w.ctx, uid)] == ["connector"]
    video.rename(video.with_suffix(".away"))
    qtbot.waitUntil(lambda: "unplugged" in panel.preview.text(), timeout=10000)
    assert "unplugged" in w.status.message.text()
    assert w.status.device_labels["camera"].text() == "Camera: unplugged"  # the status bar agrees with the panel
    video.with_suffix(".away").rename(video)
    qtbot.waitUntil(lambda: panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull(),
                    timeout=10000)
    qtbot.waitUntil(lambda: w.status.device_labels["camera"].text() == "Camera: ok", timeout=5000)


def _one_view_video(path: Path) -> None:
    """A device that is never turned: the same view in every frame, only the sensor noise changes."""
    rng = np.random.default_rng(3)
    view = _scene(0, rng)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, SIZE)
    for _ in range(30):
        writer.write(np.clip(view.astype(np.int16) + rng.integers(-6, 7, view.shape), 0, 255).astype(np.uint8))
    writer.release()


def test_shots_advance_and_the_same_picture_twice_is_refused(qtbot, data_dir, make_window) -> None:
    (data_dir / "demo").mkdir(parents=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')
    _one_view_video(data_dir / "demo" / "camera.avi")
    w = make_window(data_dir)
    w.show()
    with w.ctx.store.session() as s:
        uid = units.create(s, w.ctx.actor, {"serial": "DRV-3"}, device_class="drive").uid
    w.set_unit(uid)
    panel = w.panel(PhotosPanel)
    w.show_panel(w.panels.index(panel))
    qtbot.waitUntil(lambda: panel.preview.frames_shown > 2 and panel.shots.count() == 3, timeout=10000)
    assert panel.shots.currentRow() == 0
    panel.capture()
    qtbot.waitUntil(lambda: not panel.busy and panel.verdict.text().startswith("Saved"), timeout=10000)
    qtbot.waitUntil(lambda: panel.shots.currentRow() == 1, timeout=5000)  # on to the next missing shot
    qtbot.wait(200)
    panel.capture()

    def refused() -> None:  # on a timeout, pytest-qt raises this, so the failure shows what the panel said
        assert not panel.busy and panel.verdict.text().startswith("Retake"), panel.verdict.text()

    qtbot.waitUntil(refused, timeout=10000)
    assert "same as this unit's 'label' photo" in panel.verdict.text()
    assert [p.shot for p in photos.photos_of(w.ctx, uid)] == ["label"]
    assert panel.shots.currentRow() == 1

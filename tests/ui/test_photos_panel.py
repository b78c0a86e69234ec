"""The Photos panel captures a unit's required set end to end, by keys alone."""

from __future__ import annotations

from PySide6.QtCore import Qt

from station import photos, units
from station.ui.panels.photos import PhotosPanel
from tests.devices.camera_videos import write_video


def test_capture_the_required_set_by_keys(qtbot, data_dir, make_window) -> None:
    (data_dir / "demo").mkdir(parents=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')  # no demo scans opening other units
    write_video(data_dir / "demo" / "camera.avi", "sharp", frames=30)  # the demo camera plays this file
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
        qtbot.wait(150)  # the next frame, so the frozen check sees fresh pictures
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
    video.with_suffix(".away").rename(video)
    qtbot.waitUntil(lambda: panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull(),
                    timeout=10000)

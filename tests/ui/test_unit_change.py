"""Nothing of one unit stays on screen when the next one opens: messages, banners, the selected
shot, the question counter. And the counter says from the first question how many will come."""

from __future__ import annotations

from PySide6.QtCore import Qt

from station import units
from station.ui.panels.grade import GradePanel
from station.ui.panels.label import LabelPanel
from station.ui.panels.photos import PhotosPanel


def _window(qtbot, make_window, data_dir):  # type: ignore[no-untyped-def]
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')
    w = make_window(data_dir)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    with w.ctx.store.session() as s:
        a = units.create(s, w.ctx.actor, {"imei": "356938035643809"}, device_class="phone", model="Pixel 7").uid
        b = units.create(s, w.ctx.actor, {"imei": "352099001761481"}, device_class="phone", model="Pixel 7").uid
    return w, a, b


def test_messages_and_banners_of_the_last_unit_are_gone(qtbot, make_window, data_dir) -> None:
    w, a, b = _window(qtbot, make_window, data_dir)
    w.set_unit(a)
    grade, label, photos = w.panel(GradePanel), w.panel(LabelPanel), w.panel(PhotosPanel)
    grade._say("ok", "Routed to Resale.")
    label.awaiting = a
    label.verdict.setText("LABEL MISMATCH: the label scans as 'X' but this unit is A.")
    photos.verdict.setText("Saved front (sharpness 300).")
    w.set_unit(b)
    assert grade.message.text() == "" and "Routed" not in grade.summary.route.text()
    assert label.verdict.text() == "" and label.awaiting is None
    assert photos.verdict.text() == ""


def test_the_next_unit_starts_at_its_first_missing_shot(qtbot, make_window, data_dir) -> None:
    w, a, b = _window(qtbot, make_window, data_dir)
    w.set_unit(a)
    photos = w.panel(PhotosPanel)
    w.show_panel(w.panels.index(photos))
    qtbot.waitUntil(lambda: photos.shots.count() >= 3, timeout=10000)
    photos.shots.setCurrentRow(2)  # the technician chose the third shot for unit A
    w.set_unit(b)
    qtbot.waitUntil(lambda: photos._shown_uid == b and photos.shots.count() >= 3, timeout=10000)
    assert photos.shots.currentRow() == 0


def test_the_question_counter_does_not_jump_and_restarts_with_the_next_unit(qtbot, make_window, data_dir) -> None:
    w, a, b = _window(qtbot, make_window, data_dir)
    w.set_unit(a)
    grade = w.panel(GradePanel)
    w.show_panel(w.panels.index(grade))
    qtbot.waitUntil(lambda: grade.form is not None, timeout=10000)
    first = grade.question.text().split()[0]
    grade.setFocus()
    qtbot.wait(60)  # a person's pace, not a wedge scanner's burst
    qtbot.keyClick(grade, Qt.Key.Key_1)  # powers on: the functional questions open
    qtbot.waitUntil(lambda: grade.inputs == 1, timeout=3000)
    second = grade.question.text().split()[0]
    assert first.split("/")[0] == "1" and second.split("/")[0] == "2"
    assert first.split("/")[1] == second.split("/")[1], (first, second)
    assert grade.inputs == 1
    w.set_unit(b)
    assert grade.inputs == 0 and grade.form is None
    qtbot.waitUntil(lambda: grade.form is not None and grade.loaded.uid == b, timeout=10000)
    assert grade.question.text().startswith("1/")

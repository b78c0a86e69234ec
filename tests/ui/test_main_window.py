"""The app shell: six panels reachable by keyboard, a status bar, errors that never stop work."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from station.errors import UserFacingError
from station.ui.ops import Changes, Op, report_error


def _window(qtbot, make_window, data_dir):
    w = make_window(data_dir)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def test_six_panels_each_reachable_by_keyboard(qtbot, make_window, data_dir) -> None:
    w = _window(qtbot, make_window, data_dir)
    titles = [p.title for p in w.panels]
    assert titles == ["Intake", "Grade", "Photos", "Wipe", "Label", "Supervisor"]
    for i in range(len(titles)):
        for modifier, key in ((Qt.KeyboardModifier.ControlModifier, getattr(Qt.Key, f"Key_{i + 1}")),
                              (Qt.KeyboardModifier.NoModifier, getattr(Qt.Key, f"Key_F{i + 1}"))):
            w.show_panel((i + 1) % len(titles))
            qtbot.keyClick(w, key, modifier)
            assert w.tabs.currentIndex() == i, (titles[i], key)


def test_status_bar_shows_operator_devices_hub_and_demo(qtbot, make_window, data_dir) -> None:
    w = _window(qtbot, make_window, data_dir)
    texts = [lbl.text() for lbl in w.status.findChildren(type(w.status.message))]
    joined = " | ".join(texts)
    assert w.status.operator.text()
    for word in ("Scanner:", "Printer:", "Camera:", "Drives:", "Phones:", "DEMO"):
        assert word in joined, joined
    qtbot.waitUntil(lambda: w.status.hub.text() == "Hub: sync off", timeout=5000)  # no hub_url set


def test_phones_show_in_the_status_bar_without_opening_the_wipe_panel(qtbot, make_window, data_dir) -> None:
    # Demo phones come up in the background after the window opened; the technician is on Intake.
    w = _window(qtbot, make_window, data_dir)
    assert w.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: w.status.device_labels["phone"].text() == "Phones: 3", timeout=20000)
    assert w.status.device_labels["phone"].toolTip().count(",") == 2  # the three phones, named
    qtbot.waitUntil(lambda: w.phones.scans >= 1, timeout=10000)
    assert w.tabs.currentIndex() == 0


def test_user_facing_error_is_shown_as_written(qtbot, make_window, data_dir) -> None:
    w = _window(qtbot, make_window, data_dir)
    report_error(UserFacingError("Printer at 10.0.0.7:9100 did not answer in 3 s; the label is queued."))
    assert w.status.message.text() == "Printer at 10.0.0.7:9100 did not answer in 3 s; the label is queued."


def test_an_exception_in_a_slot_never_stops_background_work(qtbot, make_window, data_dir, caplog) -> None:
    from station.ui.app import _excepthook

    w = _window(qtbot, make_window, data_dir)
    release = threading.Event()
    results: list[str] = []
    Op(w, lambda: (release.wait(10), "wipe still running")[1]).on("io").success(results.append).run()
    try:
        raise ZeroDivisionError("a bug in a panel")
    except ZeroDivisionError as exc:
        _excepthook(type(exc), exc, exc.__traceback__)
    assert "details are in the log" in w.status.message.text()
    assert any("unexpected error" in r.message for r in caplog.records)
    release.set()
    qtbot.waitUntil(lambda: results == ["wipe still running"], timeout=5000)


def test_ops_report_changes_and_failures_on_the_gui_thread(qtbot, make_window, data_dir) -> None:
    w = _window(qtbot, make_window, data_dir)
    seen: list[set[str]] = []
    threads: list[bool] = []
    Changes.hub().changed.connect(seen.append)
    Op(w, lambda: 42).changes("units").success(
        lambda _r: threads.append(QApplication.instance().thread().isCurrentThread())).run()
    qtbot.waitUntil(lambda: threads == [True], timeout=5000)
    assert {"units"} in seen
    failures: list[BaseException] = []
    Op(w, lambda: 1 / 0).failure(failures.append).run()
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=5000)
    assert isinstance(failures[0], ZeroDivisionError)


def test_status_bar_shows_the_hub_offline_with_its_backlog(qtbot, make_window, data_dir) -> None:
    import socket

    data_dir.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:  # a port nobody listens on: the hub is down
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (data_dir / "station.toml").write_text(
        f'[sync]\nhub_url = "http://127.0.0.1:{port}"\nallow_insecure = true\ntoken = "t0ken"\n'
        '[scanner]\nport = "none"\n')
    w = _window(qtbot, make_window, data_dir)
    qtbot.waitUntil(lambda: w.status.hub.text().startswith("Hub: offline"), timeout=20000)
    assert "to send" in w.status.hub.text() or "all sent" in w.status.hub.text()


def test_the_change_hub_delivers_even_when_a_worker_thread_made_it(qtbot, monkeypatch) -> None:
    import threading

    monkeypatch.setattr(Changes, "_instance", None)
    made = threading.Thread(target=Changes.hub)  # e.g. a phone erase reporting progress first
    made.start()
    made.join()
    seen: list[set[str]] = []
    Changes.hub().changed.connect(seen.append)
    Changes.hub().changed.emit({"units"})
    qtbot.waitUntil(lambda: seen == [{"units"}], timeout=3000)

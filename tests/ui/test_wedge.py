"""The wedge event filter with real QKeyEvents (QTest): scans, GS, fast and slow typing, shortcuts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from station.config import Config
from station.ui.scanner_wedge import WedgeFilter

pytestmark = pytest.mark.timeout(60)


class Bench(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.edit = QLineEdit()
        self.label = QLabel("grade")
        self.label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout.addWidget(self.edit)
        layout.addWidget(self.label)
        self.shortcut_hits: list[str] = []
        # A one-key shortcut, like the Grade panel's number keys.
        QShortcut(QKeySequence("1"), self.label, activated=lambda: self.shortcut_hits.append("1"),
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.returns: list[str] = []
        self.edit.returnPressed.connect(lambda: self.returns.append(self.edit.text()))


# QTest key events carry no timestamp, so the filter times them by the clock: a busy CI machine
# can stall between two synthetic keys. A generous gap keeps "fast" fast; "slow" is slower still.
GAP_MS = 120


@pytest.fixture
def bench(qtbot):
    def make(**settings):
        settings.setdefault("scanner.wedge_max_gap_ms", GAP_MS)
        w = Bench()
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        w.edit.setFocus()
        wedge = WedgeFilter(w, Config(settings))
        QApplication.instance().installEventFilter(wedge)
        scans: list[str] = []
        wedge.scanned.connect(scans.append)
        w.wedge, w.scans = wedge, scans
        return w

    made: list[Bench] = []
    yield lambda **s: made.append(make(**s)) or made[-1]
    for w in made:
        QApplication.instance().removeEventFilter(w.wedge)


def test_fast_scan_is_taken_and_never_typed(bench) -> None:
    w = bench()
    QTest.keyClicks(w.edit, "352099001761481\r")
    assert w.scans == ["352099001761481"]
    assert w.edit.text() == "" and w.returns == []


def test_gs_as_ctrl_bracket_survives(bench) -> None:
    w = bench()
    QTest.keyClicks(w.edit, "]C1010950600013435221ABC123")
    QTest.keyClick(w.edit, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(w.edit, "10LOT5\r")
    assert w.scans == ["]C1010950600013435221ABC123\x1d10LOT5"]
    assert w.edit.text() == ""


def test_scanner_with_shift_presses_still_scans(bench) -> None:
    w = bench()
    for ch in "C02XK1Y8JG5H":  # a real wedge presses Shift around capitals; modifiers alone are ignored
        QTest.keyClick(w.edit, Qt.Key.Key_Shift)
        QTest.keyClicks(w.edit, ch)
    QTest.keyClick(w.edit, Qt.Key.Key_Return)
    assert w.scans == ["C02XK1Y8JG5H"]


def test_short_fast_typing_is_delivered_with_its_enter(bench) -> None:
    w = bench()
    QTest.keyClicks(w.edit, "ok\r")
    assert w.scans == [] and w.returns == ["ok"]


def test_slow_typing_reaches_the_field(bench, qtbot) -> None:
    w = bench()
    QTest.keyClicks(w.edit, "35209900", delay=2 * GAP_MS)  # a person: slower than the gap between keys
    qtbot.waitUntil(lambda: w.edit.text() == "35209900", timeout=5000)
    QTest.keyClick(w.edit, Qt.Key.Key_Return, delay=2 * GAP_MS)
    qtbot.waitUntil(lambda: w.returns == ["35209900"], timeout=5000)
    assert w.scans == []


def test_fast_word_without_enter_is_delivered_after_the_gap(bench, qtbot) -> None:
    w = bench()
    QTest.keyClicks(w.edit, "hello world")
    assert w.edit.text() == ""  # held: it might still become a scan
    qtbot.waitUntil(lambda: w.edit.text() == "hello world", timeout=2000)
    assert w.scans == []


def test_scan_does_not_trigger_one_key_shortcuts_but_typing_does(bench, qtbot) -> None:
    w = bench()
    w.label.setFocus()
    QTest.keyClicks(w.label, "311111111111116\r")
    assert len(w.scans) == 1 and w.shortcut_hits == []
    QTest.keyClick(w.label, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: w.shortcut_hits == ["1"], timeout=2000)


def test_ctrl_shortcuts_and_arrows_pass_at_once(bench) -> None:
    w = bench()
    w.edit.setText("abc")
    QTest.keyClick(w.edit, Qt.Key.Key_Left)
    assert w.edit.cursorPosition() == 2
    QTest.keyClick(w.edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert w.edit.selectedText() == "abc"


def test_prefix_mode_types_at_once_and_scans_between_stx_and_cr(bench) -> None:
    w = bench(**{"scanner.wedge_prefix": "\x02", "scanner.wedge_suffix": "\r"})
    QTest.keyClicks(w.edit, "abc")
    assert w.edit.text() == "abc"  # no prefix: typing is not held at all
    QTest.keyClick(w.edit, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # STX is Ctrl+B
    QTest.keyClicks(w.edit, "OP-1\r")
    assert w.scans == ["OP-1"] and w.edit.text() == "abc"


def test_dialogs_of_the_window_are_watched_other_windows_are_not(bench, qtbot) -> None:
    w = bench()
    dialog = QDialog(w)
    edit = QLineEdit(dialog)
    dialog.show()
    QTest.keyClicks(edit, "352099001761481\r")
    assert w.scans == ["352099001761481"]
    other = QLineEdit()
    qtbot.addWidget(other)
    other.show()
    QTest.keyClicks(other, "260531793113837\r")
    assert other.text() == "260531793113837" and len(w.scans) == 1


def test_flush_delivers_what_is_held(bench) -> None:
    w = bench()
    QTest.keyClicks(w.edit, "abc")
    w.wedge.flush()
    assert w.edit.text() == "abc"

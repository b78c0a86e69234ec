"""Keyboard-wedge scanners: an application-wide event filter around the Qt-free WedgeDecoder.

Installed on the QApplication, it sees every key before any widget or shortcut does:
- ShortcutOverride for a key the decoder would hold is accepted, so a one-key shortcut
  (a number key in the Grade panel) cannot fire on the digits of a scanned IMEI;
- KeyPress is held while the burst may still be a scan. A finished scan is emitted and
  its keys never reach a widget. Keys that turn out to be typing are delivered again,
  in order, to the widget they were meant for, through QTest.sendKeyEvent: the one
  public Qt call that delivers a key through the shortcut map as a real key press is.
- GS (0x1D) arrives as Ctrl+]; a QLineEdit would drop it, here it becomes part of the scan.
QKeyEvent.timestamp() is the window system's time of the key (so a busy GUI does not
squeeze typing into a "fast burst"); QTest events carry 0, then a monotonic clock is used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from station.config import Config
from station.devices.scanner.wedge import Step, WedgeDecoder

GS = "\x1d"
_MODIFIER_KEYS = frozenset({Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta,
                            Qt.Key.Key_AltGr, Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock})
_MODIFIER = object()  # a modifier key on its own: neither typing nor a scan character


@dataclass(eq=False)  # identity: two presses of the same key are two presses
class HeldKey:
    widget: QWidget
    key: Qt.Key
    modifiers: Qt.KeyboardModifier
    text: str
    released: bool = False  # its KeyRelease came while the press was held: replay both, in order


def _normalise(framing: str) -> str:
    # A wedge scanner's Enter arrives as Key_Return whatever the setting spells it as.
    return framing.replace("\r\n", "\r").replace("\n", "\r")


class WedgeFilter(QObject):
    scanned = Signal(str)

    def __init__(self, window: QWidget, config: Config) -> None:
        super().__init__(window)
        self.window = window
        self.decoder: WedgeDecoder[HeldKey] = WedgeDecoder(
            _normalise(config.get_str("scanner.wedge_prefix")), _normalise(config.get_str("scanner.wedge_suffix")),
            config.get_int("scanner.wedge_max_gap_ms"), config.get_int("scanner.wedge_min_length"),
        )
        self._framing = self.decoder.prefix + self.decoder.suffix
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._on_timeout)
        self._replaying = False
        self._clock: str | None = None
        self._held: list[HeldKey] = []  # presses held now, whose releases must wait for them

    # -- event filter ---------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        etype = event.type()
        if etype == QEvent.Type.KeyRelease and not self._replaying and isinstance(event, QKeyEvent):
            return self._hold_release(obj, event)
        if self._replaying or etype not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        if not obj.isWidgetType() or not self._mine(obj) or not isinstance(event, QKeyEvent):
            return False
        ch = self._char(event)
        if ch is _MODIFIER:
            return False
        assert ch is None or isinstance(ch, str)
        if etype == QEvent.Type.ShortcutOverride:
            if self.decoder.wants(ch):
                event.accept()  # "this widget wants the key": no shortcut fires, the KeyPress follows
                return True
            return False
        token = HeldKey(obj, Qt.Key(event.key()), event.modifiers(), event.text())  # type: ignore[arg-type]
        step = self.decoder.key(ch, token, self._now(event))
        if step.hold:
            self._held.append(token)
        self._apply(step)
        return step.hold

    def _hold_release(self, obj: QObject, event: QKeyEvent) -> bool:
        """A release whose press is still held would reach the widget first (a button pressed by
        Space would never click): keep it with its press."""
        if event.isAutoRepeat():
            return False
        for held in self._held:
            if held.widget is obj and held.key == event.key() and not held.released:
                held.released = True
                return True
        return False

    def flush(self) -> None:
        """Deliver anything held now (tests, focus changes, shutdown)."""
        self._apply(self.decoder.flush())

    # -- helpers --------------------------------------------------------------------------
    def _mine(self, obj: QObject) -> bool:
        """Only keys for our window or dialogs it owns: other windows are not ours to watch."""
        w: QWidget | None = obj.window()  # type: ignore[attr-defined]
        while w is not None:
            if w is self.window:
                return True
            parent = w.parentWidget()
            w = parent.window() if parent is not None else None
        return False

    def _char(self, ev: QKeyEvent) -> str | object | None:
        key, mods, text = ev.key(), ev.modifiers(), ev.text()
        if key in _MODIFIER_KEYS:
            return _MODIFIER
        if ev.isAutoRepeat():
            return None  # a held-down key is typing, never a scan
        mod = Qt.KeyboardModifier
        if mods & (mod.AltModifier | mod.MetaModifier):
            return None
        if mods & mod.ControlModifier:
            if key == Qt.Key.Key_BracketRight or text == GS:
                return GS
            if Qt.Key.Key_A <= key <= Qt.Key.Key_Z:
                control = chr(key - Qt.Key.Key_A + 1)  # Ctrl+B is STX, Ctrl+C is ETX
                return control if control in self._framing else None
            return None
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return "\r"
        if key == Qt.Key.Key_Tab:
            return "\t" if "\t" in self._framing else None
        if len(text) == 1 and (text.isprintable() or text == GS or text in self._framing):
            return text
        return None

    def _now(self, ev: QKeyEvent) -> float:
        stamp = ev.timestamp()
        clock = "event" if stamp else "monotonic"
        if clock != self._clock:
            self._apply(self.decoder.flush())  # two clocks cannot be compared: end the burst
            self._clock = clock
        return float(stamp) if stamp else time.monotonic() * 1000.0

    def _on_timeout(self) -> None:
        now = time.monotonic() * 1000.0 if self._clock != "event" else float("inf")
        self._apply(self.decoder.timeout(now))

    def _apply(self, step: Step[HeldKey]) -> None:
        for held in step.replay:
            self._replay(held)
        if step.scan:
            self.scanned.emit(step.scan)
        deadline = self.decoder.deadline()
        if deadline is None:
            self._held.clear()  # nothing is held any more: presses were replayed or taken by a scan
            self._timer.stop()
        else:
            # Window-system time cannot be read here; on event time, wait one full gap.
            wait = self.decoder.max_gap_ms if self._clock == "event" else max(0.0, deadline - time.monotonic() * 1000.0)
            self._timer.start(int(wait) + 1)

    def _replay(self, held: HeldKey) -> None:
        if not shiboken6.isValid(held.widget):
            return
        if held in self._held:
            self._held.remove(held)
        self._replaying = True
        try:
            QTest.sendKeyEvent(QTest.KeyAction.Press, held.widget, held.key, held.text, held.modifiers)
            if held.released and shiboken6.isValid(held.widget):
                QTest.sendKeyEvent(QTest.KeyAction.Release, held.widget, held.key, held.text, held.modifiers)
        finally:
            self._replaying = False

"""The station's OperatorPrompt (station/prompt.py) in the GUI: dialogs in the GUI thread.

A wipe runs in a thread of its own (a phone's reset, a drive's firmware Purge) and may
ask the technician something: re-plug a frozen drive, pick "Wipe data/factory reset" in
recovery, photograph the setup wizard. `QtPrompt` hands each question to the GUI thread
and blocks the wipe's thread until the technician answered; tests replace `answer`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox

from station.i18n import _
from station.ui.ops import Changes

log = logging.getLogger(__name__)

Answer = Callable[[str, str, list[str]], Any]  # (kind, text, options) -> the technician's answer



QuestionKind = Literal["confirm", "choose", "text", "secret", "photo"]

@dataclass
class _Question:
    kind: QuestionKind
    text: str
    options: list[str] = field(default_factory=list)
    value: Any = None
    done: threading.Event = field(default_factory=threading.Event)


class QtPrompt(QObject):
    """OperatorPrompt for a wipe's thread: each question is asked in the GUI thread while the thread waits."""

    _asked = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._asked.connect(self._on_asked, Qt.ConnectionType.QueuedConnection)
        self.answer: Answer = self._dialog  # tests answer for the technician
        self.last_told = ""

    def tell(self, message: str) -> None:
        self.last_told = message  # shown in the row and the status line; the wipe does not wait
        Changes.hub().message.emit("info", message)

    def confirm(self, question: str) -> bool:
        return bool(self._ask("confirm", question))

    def choose(self, question: str, options: list[str]) -> int | None:
        value = self._ask("choose", question, options)
        return value if isinstance(value, int) else None

    def ask_text(self, question: str, *, secret: bool = False) -> str | None:
        value = self._ask("secret" if secret else "text", question)
        return str(value) if value else None

    def photo(self, question: str) -> Path | None:
        value = self._ask("photo", question)
        return Path(value) if value else None

    def _ask(self, kind: QuestionKind, text: str, options: list[str] | None = None) -> Any:
        if QThread.currentThread() is self.thread():
            return self.answer(kind, text, options or [])
        question = _Question(kind, text, options or [])
        self._asked.emit(question)
        question.done.wait()  # a person answers; the wipe waits for them however long it takes
        return question.value

    def _on_asked(self, question: _Question) -> None:
        try:
            question.value = self.answer(question.kind, question.text, question.options)
        except Exception:
            log.exception("asking the technician failed")
            question.value = None
        finally:
            question.done.set()

    def _dialog(self, kind: str, text: str, options: list[str]) -> Any:
        title = _("Wipe")
        if kind == "confirm":
            yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
            return QMessageBox.question(None, title, text, yes | no, no) == yes
        if kind == "choose":
            item, ok = QInputDialog.getItem(None, title, text, options, 0, False)
            return options.index(item) if ok and item in options else None
        if kind == "photo":
            path, _filter = QFileDialog.getOpenFileName(None, text, "", _("Photos (*.jpg *.jpeg *.png)"))
            return path or None
        echo = QLineEdit.EchoMode.Password if kind == "secret" else QLineEdit.EchoMode.Normal
        value, ok = QInputDialog.getText(None, title, text, echo)
        return value if ok else None

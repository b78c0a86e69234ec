"""Phones as rows of the Wipe panel, beside the drives.

`PhoneTarget` is a WipeTarget (ui/wipe_targets.py) whose work is wipe_phone() in a thread
of its own: a factory reset talks adb and waits minutes for the phone and the technician,
so it must never sit on the DB executor. Its questions ("pick Wipe data/factory reset
in recovery", "re-enable USB debugging or photograph the setup wizard") come through a
`PhonePromptBridge`: the erase thread waits while the GUI thread asks the technician.
`sync_phone_rows()` keeps one row per phone the device manager lists.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from station.context import StationContext
from station.devices.base import DeviceInfo
from station.devices.manager import DeviceManager
from station.devices.phone.records import job_outcome
from station.devices.phone.states import instruction
from station.devices.phone.wipe import PhoneBlocked, wipe_phone
from station.erase import jobs
from station.errors import UserFacingError
from station.ui.ops import Changes
from station.ui.wipe_model import WipeTableModel
from station.ui.wipe_targets import Facts, Snapshot, result_words

log = logging.getLogger(__name__)

METHOD_TEXT = "factory reset"
Answer = Callable[[str, str, list[str]], Any]  # (kind, text, options) -> the technician's answer


@dataclass
class _Question:
    kind: str  # confirm | choose | text | photo
    text: str
    options: list[str] = field(default_factory=list)
    value: Any = None
    done: threading.Event = field(default_factory=threading.Event)


class PhonePromptBridge(QObject):
    """OperatorPrompt for an erase thread: each question is asked in the GUI thread, the thread waits."""

    _asked = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._asked.connect(self._on_asked, Qt.ConnectionType.QueuedConnection)
        self.answer: Answer = self._dialog  # tests answer for the technician
        self.last_told = ""

    def tell(self, message: str) -> None:
        self.last_told = message  # shown in the row and the status line; the erase does not wait
        Changes.hub().message.emit("info", message)

    def confirm(self, question: str) -> bool:
        return bool(self._ask("confirm", question))

    def choose(self, question: str, options: list[str]) -> int | None:
        value = self._ask("choose", question, options)
        return value if isinstance(value, int) else None

    def ask_text(self, question: str, *, secret: bool = False) -> str | None:
        value = self._ask("text", question)
        return str(value) if value else None

    def photo(self, question: str) -> Path | None:
        value = self._ask("photo", question)
        return Path(value) if value else None

    def _ask(self, kind: str, text: str, options: list[str] | None = None) -> Any:
        if QThread.currentThread() is self.thread():
            return self.answer(kind, text, options or [])
        question = _Question(kind, text, options or [])
        self._asked.emit(question)
        question.done.wait()  # a person answers; the reset waits for them however long it takes
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
        title = "Phone erase"
        if kind == "confirm":
            yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
            return QMessageBox.question(None, title, text, yes | no, no) == yes
        if kind == "choose":
            item, ok = QInputDialog.getItem(None, title, text, options, 0, False)
            return options.index(item) if ok and item in options else None
        if kind == "photo":
            path, _ = QFileDialog.getOpenFileName(None, text, "", "Photos (*.jpg *.jpeg *.png)")
            return path or None
        value, ok = QInputDialog.getText(None, title, text)
        return value if ok else None


class PhoneTarget:
    def __init__(self, info: DeviceInfo) -> None:
        self.info = info
        self.id, self.label, self.connected = info.id, info.label, True
        self.prompt = PhonePromptBridge()
        self.thread: threading.Thread | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished: jobs.Finished | None = None
        self._stop = threading.Event()
        self._progress = (0.0, "")
        self._claimed = False

    def update(self, info: DeviceInfo) -> None:
        self.info, self.label, self.connected = info, info.label, True

    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def facts(self) -> Facts:
        state = self.info.details.get("state", "")
        if self.running():
            guard = "erasing: keep the phone plugged in"
        elif not self.connected:
            guard = "not connected"
        else:
            guard = "ready: factory reset" if state == "device" else f"{state}: {instruction(state)}"
        return Facts(port=self.info.details.get("transport", "usb").upper(), model=self.info.details.get("model", ""),
                     serial=self.id, bus="adb", guard=guard)

    def eligible(self) -> bool:
        return self.connected and self.info.details.get("state") == "device" and not self.running()

    def start(self, ctx: StationContext, method: str, verify: str) -> None:
        """The drive method and verify choices do not apply: a phone gets its factory reset and its own check."""
        self.result, self.error, self.finished, self._claimed = None, None, None, False
        self._stop.clear()
        self.thread = threading.Thread(target=self._work, args=(ctx,), name=f"phone-{self.id}", daemon=True)
        self.thread.start()

    def _work(self, ctx: StationContext) -> None:
        try:
            self.result = wipe_phone(ctx, self.id, self.prompt, "auto", progress=self._on_progress,
                                     should_stop=self._stop.is_set)
        except BaseException as exc:  # shown in the row and the status line
            self.error = exc
            text = str(exc) if isinstance(exc, UserFacingError) else f"{type(exc).__name__}; see the log"
            if not isinstance(exc, UserFacingError):
                log.error("phone erase of %s", self.id, exc_info=exc)
            Changes.hub().message.emit("error", text)

    def _on_progress(self, fraction: float, step: str) -> None:
        self._progress = (fraction, step)

    def stop(self) -> None:
        self._stop.set()  # stops at the next look at the phone; a reset already sent cannot be taken back

    def snapshot(self) -> Snapshot:
        if self.finished is not None:
            words, level = result_words(self.finished)
            return Snapshot(fraction=1.0 if self.finished.result.sanitized else 0.0, result=words, level=level,
                            method=METHOD_TEXT)
        if self.error is not None and not self.running():
            prefix = "BLOCKED" if isinstance(self.error, PhoneBlocked) else "FAILED"
            return Snapshot(result=f"{prefix}: {self.error}", level="error", method=METHOD_TEXT)
        if self.running():
            fraction, step = self._progress
            return Snapshot(running=True, fraction=fraction, step=step or "starting", method=METHOD_TEXT)
        return Snapshot(method=METHOD_TEXT)

    def needs_finish(self) -> bool:
        if self._claimed or self.running() or self.result is None:
            return False
        self._claimed = True
        return True

    def finish(self, ctx: StationContext) -> jobs.Finished:
        """wipe_phone() recorded the job and issued the certificate; this reads where they are."""
        self.finished = jobs.Finished(self.result, *job_outcome(ctx, self.result.job_id))
        return self.finished


def sync_phone_rows(devices: DeviceManager, model: WipeTableModel) -> set[str]:
    """One row per listed phone; a phone that vanished mid-erase keeps its row (it is rebooting)."""
    seen: set[str] = set()
    for info in devices.devices("phone"):
        seen.add(info.id)
        row = model.row_of(info.id)
        if row < 0:
            model.add(PhoneTarget(info))
            continue
        target = model.target(row)
        if isinstance(target, PhoneTarget):
            target.update(info)
        model.refresh_row(row)
    for row in reversed(range(model.rowCount())):
        target = model.target(row)
        if isinstance(target, PhoneTarget) and target.id not in seen:
            if target.thread is None:
                model.remove(row)
            else:
                target.connected = False
                model.refresh_row(row)
    return seen

"""The GUI prompt hides what a wipe asks to be kept secret (a drive password, a PIN)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

from station.ui.prompt import QtPrompt


@pytest.mark.usefixtures("qtbot")
@pytest.mark.parametrize(("secret", "echo"), [(True, QLineEdit.EchoMode.Password),
                                              (False, QLineEdit.EchoMode.Normal)])
def test_a_secret_question_is_typed_into_a_masked_field(monkeypatch: pytest.MonkeyPatch, secret: bool,
                                                        echo: QLineEdit.EchoMode) -> None:
    seen: list[Any] = []

    def get_text(_parent: Any, _title: str, label: str, mode: QLineEdit.EchoMode = QLineEdit.EchoMode.Normal,
                 *_: Any) -> tuple[str, bool]:
        seen.append((label, mode))
        return "1234", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    assert QApplication.instance() is not None
    answer = QtPrompt().ask_text("Drive password?", secret=secret)
    assert answer == "1234"
    assert seen == [("Drive password?", echo)]

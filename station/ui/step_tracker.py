"""The open unit's way through the bench, always on screen: Intake, Grade, Photos, Wipe, Route,
Label, Done. Done steps are ticked, the current one stands out, a step that does not apply
(no wipe for a unit without storage) is struck through."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from station.steps import STEPS, TITLES, Progress

STYLE = """
QLabel#step { padding: 6px 14px; border-radius: 4px; font-size: 12pt; color: #555; background: #e6e6e6; }
QLabel#step[state="done"] { color: white; background: #2e7d32; }
QLabel#step[state="current"] { color: white; background: #1f3a5f; font-weight: 700; }
QLabel#step[state="skipped"] { color: #999; background: #f2f2f2; text-decoration: line-through; }
"""


class StepTracker(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("step-tracker")
        self.setStyleSheet(STYLE)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 4, 12, 4)
        row.setSpacing(6)
        self.chips: dict[str, QLabel] = {}
        for i, step in enumerate(STEPS, 1):
            chip = QLabel(f"{i} {self.tr(TITLES[step])}")
            chip.setObjectName("step")
            self.chips[step] = chip
            row.addWidget(chip)
        row.addStretch(1)
        self.show_progress(None)

    def state(self, step: str) -> str:
        return str(self.chips[step].property("state") or "")

    def show_progress(self, p: Progress | None) -> None:
        for step, chip in self.chips.items():
            if p is None:
                state = "todo"
            elif step in p.skipped:
                state = "skipped"
            elif step == p.stage:
                state = "current"
            elif step in p.done:
                state = "done"
            else:
                state = "todo"
            mark = "✔ " if state == "done" else ""
            chip.setText(f"{mark}{self.tr(TITLES[step])}")
            chip.setProperty("state", state)
            chip.style().unpolish(chip)
            chip.style().polish(chip)

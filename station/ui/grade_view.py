"""The live grade box of the Grade panel: sale grade in large type, what it is made of, the
crosswalks, and the proposed route with its explanation (or why it is blocked).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from station.disposition import Decision
from station.grading import crosswalk
from station.grading.evaluate import FUNCTIONAL_CODES, GradeResult

_COSMETIC_WORDS = {"A": "like new", "B": "light scratches", "C": "bigger scratches or broken glass",
                   "D": "significant damage", "E": "beyond economic repair"}


def _label(name: str, *, wrap: bool = True) -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return label


class GradeSummary(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("grade-summary")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(300)
        layout = QVBoxLayout(self)
        self.grade = _label("grade-big", wrap=False)
        self.grade.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.grade.setStyleSheet("font-size: 48pt; font-weight: 700;")
        self.state = _label("grade-state")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = _label("grade-detail")
        self.walks = _label("grade-crosswalks")
        self.walks.setStyleSheet("color: #444;")
        self.route = _label("grade-route")
        for w in (self.grade, self.state, self.detail, self.walks, self.route):
            layout.addWidget(w)
        layout.addStretch(1)

    def clear(self, text: str = "") -> None:
        for w in (self.grade, self.detail, self.walks, self.route):
            w.setText("")
        self.state.setText(text)

    def show_result(self, r: GradeResult, device_class: str, *, state: str) -> None:
        """`state` says whether this is live ("3 questions left"), saved, or overridden."""
        self.grade.setText(r.sale_grade)
        self.state.setText(state)
        lines = [f"Cosmetic {r.cosmetic}: {_COSMETIC_WORDS[r.cosmetic]}",
                 f"Functional {r.functional}: {FUNCTIONAL_CODES[r.functional]}"]
        if r.defects:
            lines.append("Defects: " + ", ".join(d.replace("_", " ") for d in r.defects))
        self.detail.setText("\n".join(lines))
        walks = crosswalk.load().apply(device_class, r.cosmetic, r.functional)
        names = {"ctia": "CTIA", "r2v3": "R2v3", "bstock": "B-Stock", "backmarket": "Back Market"}
        self.walks.setText("\n".join(f"{names.get(k, k)}: " + " / ".join(v.values()) for k, v in walks.items()))

    def show_decision(self, d: Decision | None, note: str = "") -> None:
        if d is None:
            self.route.setText(note)
            self.route.setStyleSheet("")
            return
        value = f" · expected {d.expected_value:.2f}" if d.expected_value is not None else ""
        text = f"Route: {d.label}{value}\n{d.explanation}"
        if d.blocked_reason:
            text += f"\nBlocked: {d.blocked_reason}"
        if note:
            text += f"\n{note}"
        self.route.setText(text)
        self.route.setStyleSheet("color: #b35c00;" if d.blocked_reason else "color: #1b5e20;")

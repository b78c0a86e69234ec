"""The live grade box of the Grade panel: sale grade in large type, what it is made of, the
crosswalks, and the proposed route with its explanation (or why it is blocked).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from station.disposition import Decision
from station.grading import crosswalk
from station.grading.evaluate import FUNCTIONAL_CODES, GradeResult
from station.i18n import N_, _, shown

_COSMETIC_WORDS = {"A": N_("like new"), "B": N_("light scratches"), "C": N_("bigger scratches or broken glass"),
                   "D": N_("significant damage"), "E": N_("beyond economic repair")}


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
        lines = [self.tr("Cosmetic {code}: {words}").format(code=r.cosmetic, words=_(_COSMETIC_WORDS[r.cosmetic])),
                 self.tr("Functional {code}: {words}").format(code=r.functional,
                                                              words=_(FUNCTIONAL_CODES[r.functional]))]
        if r.defects:
            defects = ", ".join(d.replace("_", " ") for d in r.defects)
            lines.append(self.tr("Defects: {defects}").format(defects=defects))
        self.detail.setText("\n".join(lines))
        walks = crosswalk.load().apply(device_class, r.cosmetic, r.functional)
        names = {"ctia": "CTIA", "r2v3": "R2v3", "bstock": "B-Stock", "backmarket": "Back Market"}
        self.walks.setText("\n".join(f"{names.get(k, k)}: " + " / ".join(v.values()) for k, v in walks.items()))

    def show_decision(self, d: Decision | None, note: str = "") -> None:
        if d is None:
            self.route.setText(note)
            self.route.setStyleSheet("")
            return
        value = "" if d.expected_value is None else self.tr(" · expected {value:.2f}").format(value=d.expected_value)
        text = self.tr("Route: {route}").format(route=d.label) + f"{value}\n{d.shown_explanation()}"
        if d.blocked_reason:
            text += "\n" + self.tr("Blocked: {reason}").format(reason=shown(d.blocked_reason))
        if note:
            text += f"\n{note}"
        self.route.setText(text)
        self.route.setStyleSheet("color: #b35c00;" if d.blocked_reason else "color: #1b5e20;")

"""Override dialog: a different final grade than the matrix computed, with the reason for it.

Keyboard only: type the cosmetic letter, Tab, the functional code's first letter, Tab, the
reason, Enter. OK stays disabled until there is a reason and the grade actually differs.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from station.grading.evaluate import FUNCTIONAL_CODES, GradeResult, sale_grade
from station.grading.matrix import COSMETIC
from station.grading.service import MIN_REASON, Override
from station.i18n import _


class OverrideDialog(QDialog):
    def __init__(self, computed: GradeResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Override the computed grade"))
        self.computed = computed
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("The matrix computed {grade}. The override is recorded with your name and reason.")
                           .format(grade=computed.sale_grade)))
        self.cosmetic = QComboBox()
        self.cosmetic.addItems(COSMETIC)
        self.cosmetic.setCurrentText(computed.cosmetic)
        self.functional = QComboBox()
        for code, words in FUNCTIONAL_CODES.items():
            self.functional.addItem(f"{code}  {_(words)}", code)
        self.functional.setCurrentIndex(list(FUNCTIONAL_CODES).index(computed.functional))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Why, e.g. 'dent under the case not visible in the matrix zones'"))
        self.preview = QLabel("")
        form.addRow(self.tr("Cosmetic"), self.cosmetic)
        form.addRow(self.tr("Functional"), self.functional)
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.tr("Final grade"), self.preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        for signal in (self.cosmetic.currentIndexChanged, self.functional.currentIndexChanged,
                       self.reason.textChanged):
            signal.connect(self._update)
        self._update()
        self.cosmetic.setFocus()

    def choice(self) -> tuple[str, str]:
        return self.cosmetic.currentText(), str(self.functional.currentData())

    def _update(self) -> None:
        cosmetic, functional = self.choice()
        differs = (cosmetic, functional) != (self.computed.cosmetic, self.computed.functional)
        self.preview.setText(sale_grade(cosmetic, functional) + ("" if differs else self.tr("  (same as computed)")))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(differs and len(self.reason.text().strip()) >= MIN_REASON)

    def value(self) -> Override:
        cosmetic, functional = self.choice()
        return Override(self.reason.text().strip(), cosmetic, functional)

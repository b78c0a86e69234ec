"""Sign in with a PIN (Ctrl+L). A badge scan signs in from anywhere, this dialog included.

Keyboard only: type the first letters of your name, Tab, the PIN, Enter. A wrong PIN
says how many tries are left; the lockout is enforced by station.operators.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from station import operators
from station.context import Operator, StationContext
from station.errors import UserFacingError
from station.i18n import _
from station.ui.ops import Changes, Op, report_error


class SignInDialog(QDialog):
    signed_in = Signal(object)  # Operator

    def __init__(self, ctx: StationContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Sign in"))
        self.setObjectName("signin-dialog")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Scan your badge, or choose your name and enter your PIN.")))
        form = QFormLayout()
        self.name = QComboBox()
        self.name.setEditable(False)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setValidator(QRegularExpressionValidator(r"\d{0,12}"))
        self.pin.setPlaceholderText(self.tr("PIN"))
        form.addRow(self.tr("&Name"), self.name)
        form.addRow(self.tr("&PIN"), self.pin)
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("signin-error")
        self.error.setStyleSheet("color: #b00020; font-weight: 600;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Sign in"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.pin.returnPressed.connect(self.submit)
        self.busy = False
        self.load()

    def load(self) -> None:
        Op(self, operators.list_operators, self.ctx, active_only=True).success(self._fill).run()

    def _fill(self, rows: list[operators.OperatorInfo]) -> None:
        self.name.clear()
        for r in rows:
            if r.has_pin:
                self.name.addItem(f"{r.name} ({r.role})", r.name)
        if self.name.count() == 0:
            self.error.setText(self.tr("No operator has a PIN; scan your badge, or ask a supervisor to add you."))
        current = self.ctx.operator
        if current is not None:
            i = self.name.findData(current.name)
            if i >= 0:
                self.name.setCurrentIndex(i)
        self.pin.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        if self.busy or self.name.currentIndex() < 0:
            return
        name, pin = str(self.name.currentData()), self.pin.text()
        if not pin:
            self.error.setText(self.tr("Enter your PIN."))
            return
        self.busy = True
        self.error.setText("")
        Op(self, operators.sign_in_pin, self.ctx, name, pin).success(self._ok).failure(self._failed).run()

    def _ok(self, op: Operator) -> None:
        self.busy = False
        Changes.hub().changed.emit({"operator"})
        Changes.hub().message.emit("ok", self.tr("Signed in: {name} ({role}).").format(name=op.name, role=_(op.role)))
        self.signed_in.emit(op)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.pin.clear()
        if isinstance(exc, UserFacingError):
            self.error.setText(str(exc))
        else:
            self.error.setText(self.tr("Sign-in failed; details are in the log."))
            report_error(exc)

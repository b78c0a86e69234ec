"""Accessible names for every control, so a screen reader (Orca, through Qt's AT-SPI bridge) says what a
control is for: the name a sighted technician reads beside it.

`name_controls(root)` names each focusable control that has no accessible name yet from, in order: the
label whose buddy it is (a form's label), its own text (a button's), its placeholder, its tooltip. A
control with none of these must be named where it is made; `unnamed(root)` lists them (the test fails on
any).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

CONTROLS = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox, QAbstractItemView, QTextEdit, QPlainTextEdit,
            QTabBar)


def _clean(text: str) -> str:
    return " ".join(text.replace("&&", "\0").replace("&", "").replace("\0", "&").split()).rstrip(":")


def _is_control(w: QWidget) -> bool:
    if not isinstance(w, CONTROLS):
        return False
    if w.focusPolicy() == Qt.FocusPolicy.NoFocus and not isinstance(w, QAbstractButton):  # buttons: clicked
        return False
    parent = w.parentWidget()
    while parent is not None:  # a combo box's own list and line edit are parts of it, named with it
        if isinstance(parent, QComboBox | QAbstractSpinBox | QAbstractItemView):  # a table's corner button
            return False
        parent = parent.parentWidget()
    return True


def _form_labels(root: QWidget) -> dict[QWidget, str]:
    found: dict[QWidget, str] = {}
    for form in root.findChildren(QFormLayout):
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label is None or field is None or not isinstance(label.widget(), QLabel):
                continue
            text = label.widget().text()  # type: ignore[union-attr]
            widget, inner = field.widget(), field.layout()
            first = inner.itemAt(0) if widget is None and inner is not None else None
            if first is not None:
                widget = first.widget()  # a field with a button beside it: the first widget is the field
            if widget is not None:
                found[widget] = text
    return found


def name_controls(root: QWidget) -> None:
    labels = {label.buddy(): label.text() for label in root.findChildren(QLabel) if label.buddy() is not None}
    labels = _form_labels(root) | labels
    for w in root.findChildren(QWidget):
        if not _is_control(w) or w.accessibleName():
            continue
        text = labels.get(w) or ""
        if not text and isinstance(w, QAbstractButton):
            text = w.text()
        if not text and isinstance(w, QLineEdit | QPlainTextEdit | QTextEdit):
            text = w.placeholderText()
        if not text:
            text = w.toolTip().split("\n", 1)[0]
        name = _clean(text)
        if name:
            w.setAccessibleName(name)


def unnamed(root: QWidget) -> list[QWidget]:
    """The focusable controls under `root` that a screen reader could not name."""
    return [w for w in root.findChildren(QWidget) if _is_control(w) and not w.accessibleName()]

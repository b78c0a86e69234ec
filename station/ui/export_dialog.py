"""The shift log export dialog (E on the Supervisor panel): where from, which format, where to.

All by keyboard: Alt+T this station, Alt+A all stations (from the hub), Alt+F the format,
Alt+S the file (typed, or Alt+B to browse), Enter exports, Esc cancels. The choice of all
stations is offered only when the hub and a reader token are configured; otherwise the
dialog says what is missing.

The file's name must say what it holds: a name without an extension gets the format's, and a
name whose extension is another format's (CSV text into shift.xlsx) is refused with the
reason, so no program opens a file that is not what it claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from station.i18n import N_, _

FORMATS = {N_("CSV"): "csv", N_("Excel (XLSX)"): "xlsx", N_("PDF report"): "pdf"}  # shown through _()
_NAMED = {"csv": N_("a CSV file"), "xlsx": N_("an Excel file"), "pdf": N_("a PDF file")}


@dataclass(frozen=True)
class ExportChoice:
    from_hub: bool
    fmt: str
    out: Path


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None, folder: Path, stem: str, hub_missing: str | None) -> None:
        """`stem` names the file (e.g. shift-20261123-0600); `hub_missing` says why the hub cannot be used."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export shift log"))
        self.folder, self.stem = folder, stem
        layout = QVBoxLayout(self)
        self.this_station = QRadioButton(self.tr("&This station"))
        self.all_stations = QRadioButton(self.tr("&All stations (hub)"))
        self.this_station.setChecked(True)
        self.all_stations.setEnabled(hub_missing is None)
        group = QButtonGroup(self)  # arrow keys move between the two, like any radio group
        group.addButton(self.this_station)
        group.addButton(self.all_stations)
        layout.addWidget(QLabel(self.tr("Units from:")))
        layout.addWidget(self.this_station)
        layout.addWidget(self.all_stations)
        if hub_missing:
            why = QLabel(hub_missing)
            why.setWordWrap(True)
            why.setStyleSheet("color: #666;")
            layout.addWidget(why)
        form = QFormLayout()
        self.format = QComboBox()
        self.format.addItems(list(FORMATS))
        fmt_label = QLabel(self.tr("&Format:"))
        fmt_label.setBuddy(self.format)
        form.addRow(fmt_label, self.format)
        self.path = QLineEdit()
        browse = QPushButton(self.tr("&Browse…"))
        browse.setAutoDefault(False)  # Enter in the path field exports, it does not browse
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        path_label = QLabel(self.tr("&Save to:"))
        path_label.setBuddy(self.path)
        form.addRow(path_label, row)
        layout.addLayout(form)
        self.problem = QLabel("")
        self.problem.setObjectName("export-problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020; font-weight: 600;")
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Export"))
        ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._suggested = ""
        self._suggest()
        self.format.currentIndexChanged.connect(self._suggest)
        self.format.currentIndexChanged.connect(self.problem.hide)
        self.all_stations.toggled.connect(self._suggest)
        self.this_station.setFocus()

    def _name(self) -> str:
        scope = "-all" if self.all_stations.isChecked() else ""
        return f"{self.stem}{scope}.{FORMATS[self.format.currentText()]}"

    def _suggest(self) -> None:
        """Follow the source and format in the file name, unless the supervisor typed a name of their own."""
        current = self.path.text().strip()
        if current and current != self._suggested:
            path = Path(current)
            self.path.setText(str(path.with_suffix("." + FORMATS[self.format.currentText()])))
            return
        base = Path(current).parent if current else self.folder
        self._suggested = str(base / self._name())
        self.path.setText(self._suggested)

    def _browse(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, self.tr("Export shift log"), self.path.text())
        if name:
            self.path.setText(name)
            self._suggested = ""

    def choice(self) -> ExportChoice:
        return ExportChoice(self.all_stations.isChecked(), FORMATS[self.format.currentText()],
                            Path(self.path.text().strip()).expanduser())

    def mismatch(self) -> str:
        """Why the file name and the format disagree, or "" when they agree (a missing extension is added)."""
        fmt_name = self.format.currentText()
        fmt = FORMATS[fmt_name]
        path = Path(self.path.text().strip())
        suffix = path.suffix.lower().lstrip(".")
        if not suffix:
            self.path.setText(f"{path}.{fmt}")
            return ""
        if suffix == fmt:
            return ""
        known = next((name for name, ext in FORMATS.items() if ext == suffix), None)
        if known is None:
            return self.tr("{file} names a .{suffix} file, but the format is {format}: name the file .{ext}.").format(
                file=path.name, suffix=suffix, format=_(fmt_name), ext=fmt)
        return self.tr("{file} names {kind}, but the format is {format}: choose {known} in Format (Alt+F), or name "
                       "the file .{ext}.").format(file=path.name, kind=_(_NAMED[suffix]), format=_(fmt_name),
                                                  known=_(known), ext=fmt)

    def accept(self) -> None:
        if not self.path.text().strip():
            self.path.setFocus()
            return
        problem = self.mismatch()
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        if problem:
            self.path.setFocus()
            return
        super().accept()

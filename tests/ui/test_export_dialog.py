"""The export dialog never writes one format under another's name: CSV text into shift.xlsx was
called a success; now the mismatch is refused with the reason, and a bare name gets the format's
extension."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from station.ui.export_dialog import ExportDialog


def _dialog(qtbot, folder: Path) -> ExportDialog:  # type: ignore[no-untyped-def]
    dialog = ExportDialog(None, folder, "shift-20261207-0600", "no hub")
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_csv_into_an_xlsx_name_is_refused_with_the_reason(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, tmp_path)
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.format.setCurrentText("CSV")
    dialog.path.setText(str(tmp_path / "shift.xlsx"))  # typed by the supervisor, or picked with Browse
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    assert accepted == [] and dialog.isVisible()
    assert dialog.problem.isVisible()
    assert "shift.xlsx names an Excel file, but the format is CSV" in dialog.problem.text()
    assert "name the file .csv" in dialog.problem.text()

    dialog.format.setCurrentText("Excel (XLSX)")  # the format the name says: accepted as it is
    assert not dialog.problem.isVisible()
    dialog.path.setText(str(tmp_path / "shift.xlsx"))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    assert accepted == [True]
    assert dialog.choice().fmt == "xlsx" and dialog.choice().out == tmp_path / "shift.xlsx"


def test_an_unknown_extension_is_refused_and_a_bare_name_gets_the_formats(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, tmp_path)
    dialog.format.setCurrentText("PDF report")
    dialog.path.setText(str(tmp_path / "shift.txt"))
    dialog.accept()
    assert dialog.isVisible() and "shift.txt names a .txt file" in dialog.problem.text()
    dialog.path.setText(str(tmp_path / "shift"))
    dialog.accept()
    assert not dialog.isVisible() and dialog.choice().out == tmp_path / "shift.pdf"

"""The Grade panel."""

from __future__ import annotations

from station.ui.panels.base import Panel, column, heading, hint


class GradePanel(Panel):
    title = "Grade"
    topics = frozenset({"units"})

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        layout = column(self)
        layout.addWidget(heading("Grade"))
        layout.addWidget(hint("Grade the current unit from the active grading matrix."))
        layout.addStretch(1)

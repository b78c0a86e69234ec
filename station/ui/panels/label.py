"""The Label panel."""

from __future__ import annotations

from station.ui.panels.base import Panel, column, heading, hint


class LabelPanel(Panel):
    title = "Label"
    topics = frozenset({"units"})

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        layout = column(self)
        layout.addWidget(heading("Label"))
        layout.addWidget(hint("Preview and print the grade label of the current unit."))
        layout.addStretch(1)

"""The Photos panel."""

from __future__ import annotations

from station.ui.panels.base import Panel, column, heading, hint


class PhotosPanel(Panel):
    title = "Photos"
    topics = frozenset({"units"})

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        layout = column(self)
        layout.addWidget(heading("Photos"))
        layout.addWidget(hint("Capture the required photo set for the current unit."))
        layout.addStretch(1)

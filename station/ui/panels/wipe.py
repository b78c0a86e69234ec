"""The Wipe panel."""

from __future__ import annotations

from station.ui.panels.base import Panel, column, heading, hint


class WipePanel(Panel):
    title = "Wipe"
    topics = frozenset({"units"})

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        layout = column(self)
        layout.addWidget(heading("Wipe"))
        layout.addWidget(hint("Drives and phones attached to this bench, with their wipe status."))
        layout.addStretch(1)

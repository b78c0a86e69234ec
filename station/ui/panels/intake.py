"""The Intake panel."""

from __future__ import annotations

from station.ui.panels.base import Panel, column, heading, hint


class IntakePanel(Panel):
    title = "Intake"
    topics = frozenset({"units"})

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        layout = column(self)
        layout.addWidget(heading("Intake"))
        layout.addWidget(hint("Scan a device, an operator badge or a command barcode to begin."))
        layout.addStretch(1)

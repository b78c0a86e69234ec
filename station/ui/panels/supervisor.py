"""The Supervisor panel."""

from __future__ import annotations

from station.ui.panels.base import Panel, column, heading, hint


class SupervisorPanel(Panel):
    title = "Supervisor"
    topics = frozenset({"units"})

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        layout = column(self)
        layout.addWidget(heading("Supervisor"))
        layout.addWidget(hint("Shift KPIs, exports and administration (supervisors only)."))
        layout.addStretch(1)

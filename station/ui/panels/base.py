"""What every panel has: a title, a shortcut, the current unit, and self-refresh."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from station.context import StationContext
from station.devices.manager import DeviceManager
from station.steps import Progress
from station.ui.ops import Changes, Topic


class Panel(QWidget):
    title = "Panel"
    topics: frozenset[Topic] = frozenset()  # Changes topics that make this panel re-read

    def __init__(self, ctx: StationContext, devices: DeviceManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.devices = devices
        self.unit_uid: str | None = None
        self.setObjectName(f"panel-{self.title.lower()}")
        Changes.hub().changed.connect(self._on_changed)

    def _on_changed(self, topics: set[str]) -> None:
        if self.topics & topics and self.isVisible():
            self.refresh()

    def set_unit(self, uid: str | None) -> None:
        """The bench's current unit changed."""
        self.unit_uid = uid
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Re-read what this panel shows. Override."""

    def activated(self) -> None:
        """The panel became the visible one; give focus to its first control."""
        self.refresh()

    def arrived(self, progress: Progress) -> None:
        """The open unit's flow moved on to `progress.stage`, a step of this panel, now on screen."""

    def handle_command(self, command: str, argument: str | None) -> bool:  # noqa: ARG002 (the default takes none)
        """A bench command barcode (CMD:...) while this panel is shown; True when taken."""
        return False


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    return label


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def column(widget: QWidget) -> QVBoxLayout:
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(16, 12, 16, 12)
    layout.setSpacing(8)
    return layout

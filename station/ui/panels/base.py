"""What every panel has: a title, a shortcut, the current unit, self-refresh, and its banner.

The banner is the panel's own line in colour (green, amber, red as the scan cues), with the text
of the last thing said on it and the cue's sound for an error: what the Intake verdict is for a
scan, every panel has for its own work, big enough to read from the bench."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from station.context import StationContext
from station.devices.manager import DeviceManager
from station.i18n import N_
from station.steps import Progress
from station.ui.ops import Changes, Topic
from station.ui.scanner_cue import set_cue

LEVEL_CUES = {"ok": "good", "error": "bad", "warn": "repeat", "info": ""}


class Banner(QLabel):
    def __init__(self) -> None:
        super().__init__("")
        self.setObjectName("panel-banner")
        self.setWordWrap(True)
        self.setAccessibleName(self.tr("Panel message"))
        self.hide()

    def show_message(self, level: str, text: str) -> str:
        """Show `text` coloured by `level`; returns the cue ("" for plain information)."""
        cue = LEVEL_CUES.get(level, "")
        self.setText(text)
        set_cue(self, cue)
        self.setVisible(bool(text))
        return cue

    def clear_message(self) -> None:
        self.show_message("info", "")


class Panel(QWidget):
    title = N_("Panel")  # each panel names itself; shown through tr()
    topics: frozenset[Topic] = frozenset()  # Changes topics that make this panel re-read

    def __init__(self, ctx: StationContext, devices: DeviceManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.devices = devices
        self.unit_uid: str | None = None
        self.banner: QLabel = Banner()  # placed first by column(); Intake's is its scan verdict
        self.setObjectName(f"panel-{self.title.lower()}")
        Changes.hub().changed.connect(self._on_changed)

    def _on_changed(self, topics: set[str]) -> None:
        if self.topics & topics and self.isVisible():
            self.refresh()

    def set_unit(self, uid: str | None) -> None:
        """The bench's current unit changed."""
        if uid != self.unit_uid and isinstance(self.banner, Banner):
            self.banner.clear_message()  # a message about the last unit is not about this one
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
    if isinstance(widget, Panel) and isinstance(widget.banner, Banner):
        layout.addWidget(widget.banner)
    return layout

"""The cue on every scan: good, bad or repeat, heard and seen.

Sound: three short tones a technician tells apart without looking (one high beep for
good, two mid beeps for repeat, a low buzz for bad), written once as WAV files and
played by the system's player (paplay, pw-play or aplay) without waiting for it. With
no player or no audio device there is no sound; the visual cue always shows.
Visual: `flash(widget, cue)` colours a widget for a moment (the unit banner), through a
`cue` property and style rules set once (see cue_style), so a scan never re-parses a style sheet.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import struct
import subprocess
import tempfile
import time
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from station.config import Config

log = logging.getLogger(__name__)

CUES = ("good", "bad", "repeat")
COLOURS = {"good": "#1b5e20", "bad": "#b00020", "repeat": "#b35c00"}
RATE = 22050
# (frequency Hz, duration ms) per tone; 0 Hz is a pause.
TONES = {
    "good": [(1760, 90)],
    "repeat": [(1175, 70), (0, 60), (1175, 70)],
    "bad": [(220, 380)],
}
PLAYERS = ("paplay", "pw-play", "aplay")


def tone_samples(parts: list[tuple[int, int]], rate: int = RATE) -> bytes:
    """16-bit mono PCM of the tone sequence, with 5 ms ramps so the speaker does not click."""
    out = bytearray()
    for freq, ms in parts:
        n = rate * ms // 1000
        ramp = max(1, rate // 200)
        for i in range(n):
            env = min(1.0, i / ramp, (n - 1 - i) / ramp)
            value = math.sin(2 * math.pi * freq * i / rate) * env * 0.5 if freq else 0.0
            out += struct.pack("<h", int(value * 32767))
    return bytes(out)


def write_cues(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for cue, parts in TONES.items():
        path = folder / f"scan-{cue}.wav"
        if not path.exists():
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(RATE)
                w.writeframes(tone_samples(parts))
        paths[cue] = path
    return paths


def audio_available() -> bool:
    """A sound server socket or an ALSA device: without either a player only prints errors."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    sockets = [Path(runtime) / "pulse" / "native", Path(runtime) / "pipewire-0"] if runtime else []
    return any(p.exists() for p in sockets) or Path("/dev/snd").is_dir()


def find_player() -> list[str] | None:
    for name in PLAYERS:
        path = shutil.which(name)
        if path:
            return [path, "-q"] if name == "aplay" else [path]
    return None


class ScanCue(QObject):
    cued = Signal(str)  # good | bad | repeat: widgets that show the cue listen

    def __init__(self, config: Config, parent: QObject | None = None, *, player: list[str] | None = None) -> None:
        super().__init__(parent)
        if player is None and config["scanner.sound"] and audio_available():
            player = find_player()
        self._player = player if config["scanner.sound"] else None
        self._files: dict[str, Path] = {}
        self._running: list[subprocess.Popen[bytes]] = []
        self.last_at = 0.0  # monotonic time of the last cue
        if self._player:
            self._files = write_cues(Path(tempfile.gettempdir()) / f"station-cues-{os.getuid()}")
        log.info("scan cue sound: %s", self._player[0] if self._player else "off (no player or audio device)")

    @property
    def sound(self) -> bool:
        return self._player is not None

    def play(self, cue: str, *, unless_within_s: float = 0.0) -> None:
        """`unless_within_s`: stay silent when a cue sounded that recently (a scan's own beep, then its message)."""
        if cue not in CUES:
            return
        now = time.monotonic()
        if unless_within_s and now - self.last_at < unless_within_s:
            return
        self.last_at = now
        self.cued.emit(cue)
        if not self._player:
            return
        self._running = [p for p in self._running if p.poll() is None]  # reap finished players
        try:
            self._running.append(subprocess.Popen([*self._player, str(self._files[cue])],
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        except OSError:
            log.warning("cannot play the scan cue; sound is off from now on", exc_info=True)
            self._player = None


def cue_style(selector: str) -> str:
    """Style rules that colour `selector` by its `cue` property. Set once; flashing then only
    changes the property, which re-polishes one widget instead of re-parsing a style sheet."""
    return "\n".join(f'{selector}[cue="{cue}"] {{ background: {colour}; color: white; }}'
                     for cue, colour in COLOURS.items())


def set_cue(widget: QWidget, cue: str) -> None:
    widget.setProperty("cue", cue)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def flash(widget: QWidget, cue: str, ms: int = 700) -> None:
    """Colour `widget` for the cue (its style sheet holds cue_style() rules), then back to normal."""
    if cue not in COLOURS:
        return
    set_cue(widget, cue)
    token = object()
    widget.setProperty("cue_token", id(token))

    def restore() -> None:
        if widget.property("cue_token") == id(token):  # a newer flash owns the widget now
            set_cue(widget, "")

    QTimer.singleShot(ms, widget, restore)

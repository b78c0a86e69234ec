"""The scan cue: three tones told apart by ear, and the visual flash that always shows."""

from __future__ import annotations

import shutil
import wave

import numpy as np
from PySide6.QtWidgets import QLabel

from station.config import Config
from station.ui.scanner_cue import RATE, TONES, ScanCue, cue_style, flash, tone_samples, write_cues


def _dominant_hz(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(float)
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / RATE)[int(np.argmax(spectrum))])


def test_tones_differ_in_pitch_and_length(tmp_path) -> None:
    paths = write_cues(tmp_path)
    info = {}
    for cue, path in paths.items():
        with wave.open(str(path), "rb") as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
            pcm = w.readframes(w.getnframes())
        assert pcm == tone_samples(TONES[cue])
        info[cue] = (_dominant_hz(pcm), len(pcm) / 2 / RATE)
    assert abs(info["good"][0] - 1760) < 20 and abs(info["repeat"][0] - 1175) < 20 and abs(info["bad"][0] - 220) < 10
    assert info["bad"][1] > info["repeat"][1] > info["good"][1]  # a bad scan is the long low buzz
    pcm = np.frombuffer(paths["good"].read_bytes()[44:], dtype="<i2")
    assert abs(int(pcm[0])) < 200 and abs(int(pcm[-1])) < 200  # ramps: no click at either end


def test_cue_signal_and_flash_without_sound(qtbot) -> None:
    cue = ScanCue(Config({"scanner.sound": False}))
    assert not cue.sound
    seen: list[str] = []
    cue.cued.connect(seen.append)
    cue.play("good")
    cue.play("nonsense")
    assert seen == ["good"]
    label = QLabel("banner")
    label.setObjectName("banner")
    qtbot.addWidget(label)
    label.setStyleSheet(cue_style("QLabel#banner"))
    label.setFixedSize(200, 40)
    label.show()
    normal = label.palette().color(label.backgroundRole()).name()
    flash(label, "bad", ms=50)
    assert label.property("cue") == "bad"
    assert label.grab().toImage().pixelColor(190, 35).name() == "#b00020"  # painted in the cue's colour
    qtbot.waitUntil(lambda: label.property("cue") == "", timeout=2000)
    assert label.grab().toImage().pixelColor(190, 35).name() == normal


def test_each_cue_plays_through_aplay_without_blocking() -> None:
    # ALSA's "null" device: the real player decodes and plays the file, no sound card needed.
    cue = ScanCue(Config(), player=[shutil.which("aplay") or "aplay", "-q", "-D", "null"])
    assert cue.sound
    players = []
    for name in ("good", "repeat", "bad"):
        cue.play(name)
        players.append(cue._running[-1])  # finished players are reaped on the next play
    assert [p.wait(timeout=10) for p in players] == [0, 0, 0]

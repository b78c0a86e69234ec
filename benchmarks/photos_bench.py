"""Preview frame rate and UI event-loop latency while previewing 1280x720.

A 1280x720 30 fps video stands in for the camera (same capture thread as a real one).
A 5 ms QTimer measures how late the event loop runs: a "stall" is a timer firing
later than it should. Goal: stalls under 50 ms.
    python benchmarks/photos_bench.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from station import units
from station.sim.camera import write_demo_video
from station.ui.app import create_window
from station.ui.panels.photos import PhotosPanel


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as d:
        data = Path(d)
        write_demo_video(data / "demo" / "camera.avi", size=(1280, 720), frames=90, fps=30)
        w = create_window(data, demo=True)
        w.resize(1280, 800)
        w.show()
        with w.ctx.store.session() as s:
            w.set_unit(units.create(s, w.ctx.actor, {"serial": "BENCH"}, device_class="phone").uid)
        panel = w.panel(PhotosPanel)
        w.show_panel(w.panels.index(panel))
        gaps: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.nsecsElapsed()]

        def tick() -> None:
            now = clock.nsecsElapsed()
            gaps.append((now - last[0]) / 1e6 - 5.0)
            last[0] = now

        probe = QTimer(interval=5, timeout=tick)
        deadline = time.monotonic() + 1.0  # let the camera start before measuring
        while time.monotonic() < deadline:
            app.processEvents()
        frames0 = panel.preview.frames_shown
        paint0 = panel.preview.paint_seconds
        last[0] = clock.nsecsElapsed()
        probe.start()
        t0 = time.monotonic()
        while time.monotonic() - t0 < args.seconds:
            app.processEvents()
            time.sleep(0.001)
        probe.stop()
        elapsed = time.monotonic() - t0
        frames = panel.preview.frames_shown - frames0
        paint_ms = (panel.preview.paint_seconds - paint0) / max(frames, 1) * 1000
        gaps.sort()
        p99 = gaps[int(len(gaps) * 0.99)]
        print(f"preview 1280x720 for {elapsed:.1f} s: {frames / elapsed:.1f} frames/s shown "
              f"(source 30 fps), {paint_ms:.2f} ms per frame in the GUI thread; "
              f"event-loop lateness median {statistics.median(gaps):.2f} ms, p99 {p99:.2f} ms, "
              f"max {gaps[-1]:.2f} ms over {len(gaps)} probes")
        w.devices.close()
        w.ctx.close()


if __name__ == "__main__":
    main()

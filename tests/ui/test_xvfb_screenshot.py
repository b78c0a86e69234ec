"""The real app on a real X server (Xvfb, Qt's xcb plugin), with a screenshot.

The offscreen plugin hides missing xcb libraries; only a real X11 display catches them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image


def _free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


def take_screenshot(out: Path, data_dir: Path, *, size: str = "1280x800") -> subprocess.CompletedProcess[str]:
    return on_xvfb([sys.executable, "-m", "station", "demo"],
                   {"STATION_SCREENSHOT": str(out), "STATION_DATA_DIR": str(data_dir)}, size=size, timeout=120)


def on_xvfb(cmd: list[str], extra_env: dict[str, str], *, size: str = "1280x800",
            timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run `cmd` against a fresh Xvfb display, on Qt's xcb platform."""
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is missing: installer/system-packages.sh --test installs it (package xvfb)"
    n = _free_display()
    # -noreset: a resource set by xrdb (Xft.dpi) outlives its client, as on a desktop
    server = subprocess.Popen([xvfb, f":{n}", "-screen", "0", f"{size}x24", "-nolisten", "tcp", "-noreset"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while not Path(f"/tmp/.X11-unix/X{n}").exists():
            assert server.poll() is None, "Xvfb exited at start"
            assert time.monotonic() < deadline, "Xvfb did not start in 15 s"
            time.sleep(0.05)
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=f":{n}", QT_QPA_PLATFORM="xcb", **extra_env)
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_main_window_on_a_real_x_server(tmp_path: Path) -> None:
    shot = tmp_path / "main.png"
    r = take_screenshot(shot, tmp_path / "data")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Could not load the Qt platform plugin" not in r.stderr
    img = Image.open(shot).convert("RGB")
    assert img.width >= 800 and img.height >= 500
    colours = img.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20, "the screenshot is blank"

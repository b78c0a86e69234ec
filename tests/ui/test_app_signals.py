"""SIGTERM ends the app the way closing it does: the demo's private adb server does not outlive it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_the_private_adb_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STATION_DATA_DIR": str(data)}
    app = subprocess.Popen([sys.executable, "-m", "station", "demo"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    try:
        log, port = data / "logs" / "station.log", None
        deadline = time.monotonic() + 60
        while port is None and time.monotonic() < deadline:
            found = re.search(r"demo phones on adb server port (\d+)", log.read_text() if log.exists() else "")
            port = int(found.group(1)) if found else None
            time.sleep(0.2)
        assert port is not None, "the demo phones did not come up"
        assert _listening(port)
        app.send_signal(signal.SIGTERM)
        assert app.wait(timeout=30) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    deadline = time.monotonic() + 10
    while _listening(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _listening(port), f"the private adb server on port {port} outlived the app"

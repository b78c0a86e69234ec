"""`station demo --script`: a scripted shift through the real main window, then a summary and the exit.

Run as the technician would start it (the `station` command, its own process), at a fast pace. The
phone it plays must end finished in the database: graded, six photos, sanitized with a certificate,
a route, its label printed and scanned back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from station import steps, units
from station.context import open_station
from station.models import Unit

pytestmark = pytest.mark.timeout(240)


def test_the_scripted_demo_plays_one_phone_to_its_checked_label_and_exits(tmp_path: Path, demo_video: Path) -> None:
    data = tmp_path / "data"
    (data / "demo").mkdir(parents=True)
    shutil.copy(demo_video, data / "demo" / "camera.avi")
    # The demo phone's reboots seen sooner, and its reset's steps (reboot, wipe, recovery menu) at test pace.
    (data / "station.toml").write_text("[phone]\npoll_interval_s = 0.2\ndemo_step_s = 0.3\n")
    env = {**os.environ, "STATION_DATA_DIR": str(data), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "station", "demo", "--script", "--pace", "0.05"], env=env,
                          capture_output=True, text=True, timeout=200)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.startswith("Scripted shift done in ")
    for line in ("photos: 6", "wipe: sanitized", "label: checked", "stage: finished"):
        assert f"  {line}\n" in done.stdout

    ctx = open_station(data)  # the database, not the summary, has the last word
    try:
        with ctx.store.reader() as s:
            (unit,) = s.execute(select(Unit)).scalars().all()
            assert unit.imei == "490154203237518" and unit.stage == "finished" and unit.sale_grade
            assert unit.certificate_id and unit.wipe_status == "sanitized" and unit.route
            assert steps.label_state(s, units.by_uid(s, unit.uid)) == "checked"
    finally:
        ctx.close()

"""The drives this station offers: the drive driver, judged by the guard.

The driver (devices/drives.py) finds the drives; whether one may be wiped is the guard's
call (erase/guard.py). The registry, the CLI and the tests build the driver here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from station.config import Config
from station.devices.drive.discover import Drive
from station.devices.drives import DriveDriver, Judge, Verdict
from station.erase import guard


def judge_for(data_dir: Path) -> Judge:
    """The guard's verdicts, from one fresh look at the system (mounts, holders, the station's own disk)."""

    def judge(found: list[Drive]) -> list[Verdict]:
        view = guard.SystemView.read(data_dir)
        return [guard.verdict(d, view) for d in found]

    return judge


def guarded_driver(data_dir: Path, include: Callable[[Drive], bool] | None = None) -> DriveDriver:
    return DriveDriver(judge_for(data_dir), include)


def real_factory(_config: Config, data_dir: Path) -> DriveDriver:
    return guarded_driver(data_dir)

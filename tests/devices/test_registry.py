"""Demo mode starts when the bench has no hardware to work with; the station's own disk does not count."""

from __future__ import annotations

from pathlib import Path

import pytest
from typing_extensions import override

from station import registry
from station.config import Config
from station.devices.base import DeviceInfo


class _Listing:
    """A driver that lists fixed devices: enough to exercise the decision, which is all this tests."""

    kind = "drive"

    def __init__(self, *infos: DeviceInfo) -> None:
        self.infos = list(infos)

    def enumerate(self) -> list[DeviceInfo]:
        return self.infos

    @override
    def open(self, info: DeviceInfo):  # type: ignore[no-untyped-def]
        raise AssertionError("not opened in this test")


SYSTEM = DeviceInfo("drive", "sys", "System disk", "/dev/vda", details={"eligible": "no", "guard": "holds /"})
BAY = DeviceInfo("drive", "bay1", "Bay 1", "/dev/sdb", details={"eligible": "yes"})


@pytest.mark.parametrize(("infos", "demo"), [((SYSTEM,), True), ((SYSTEM, BAY), False), ((), True)])
def test_only_bench_hardware_keeps_the_station_out_of_demo_mode(monkeypatch, tmp_path: Path, infos, demo) -> None:
    monkeypatch.setattr(registry, "REAL", [lambda _c, _d: _Listing(*infos)])
    monkeypatch.setattr(registry, "SIMULATED", [])
    devices = registry.build(Config(), tmp_path)
    assert devices.demo is demo
    assert devices.reason == ("no hardware found" if demo else "hardware found: drive")

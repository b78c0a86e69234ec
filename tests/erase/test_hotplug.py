"""Hot-plug: kernel uevents for loop devices attaching and leaving, and the drive driver's
rescans through the DeviceManager, with no udevd on this machine."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from station.devices.base import DeviceInfo
from station.devices.drives import DriveSession
from station.devices.manager import DeviceManager
from station.devices.uevents import KernelMonitor, open_monitor
from station.erase.drives import guarded_driver
from station.sim.drives import SimDriveDriver
from tests.erase import wipe_fixtures
from tests.erase.wipe_fixtures import LoopFactory, MiB, only_ours

pytestmark = pytest.mark.timeout(60)


def events_for(monitor: KernelMonitor, name: str, timeout: float = 10.0) -> list[str]:
    """Actions seen for one device (others' devices come and go on a shared machine)."""
    end, seen = time.monotonic() + timeout, []
    while time.monotonic() < end and not seen:
        seen = [e.action for e in monitor.wait(0.2) if e.name == name]
    return seen


def test_the_kernel_tells_when_a_loop_attaches_and_leaves(loops: LoopFactory) -> None:
    monitor = open_monitor("block", ("disk", None), "drives")
    assert monitor is not None
    try:
        loop = loops(4 * MiB)
        name = Path(loop.path).name
        assert events_for(monitor, name)  # attach shows as "change" on loop devices
        wipe_fixtures.detach(loop.path)
        loops.loops.remove(loop.path)
        assert events_for(monitor, name)
    finally:
        monitor.close()


def test_drives_appear_and_vanish_through_the_device_manager(loops: LoopFactory, tmp_path: Path) -> None:
    manager = DeviceManager()
    driver = guarded_driver(tmp_path / "data", include=only_ours(tmp_path))
    manager.register(driver)
    changes: list[tuple[list[DeviceInfo], list[DeviceInfo]]] = []
    manager.subscribe(lambda appeared, vanished: changes.append((appeared, vanished)))
    monitor = driver.monitor()
    assert monitor is not None
    try:
        assert manager.scan("drive") == []  # started before enumerating: nothing slips in between
        loop = loops(8 * MiB)
        assert events_for(monitor, Path(loop.path).name)
        found = manager.scan("drive")
        assert [i.path for i in found] == [loop.path]
        info = found[0]
        assert info.kind == "drive" and info.id == f"loop:{loop.backing}" and info.details["eligible"] == "yes"
        assert changes[-1][0] == [info]
        session = manager.session_for(info)
        assert isinstance(session, DriveSession) and session.is_usable() and session.drive.path == loop.path
        assert manager.summary() == {"drive": 1}
        wipe_fixtures.detach(loop.path)
        loops.loops.remove(loop.path)
        assert events_for(monitor, Path(loop.path).name)
        assert manager.scan("drive") == [] and changes[-1][1][0].id == info.id
    finally:
        monitor.close()


def test_demo_bays_can_be_pulled_and_put_back(tmp_path: Path) -> None:
    manager = DeviceManager()
    manager.register(SimDriveDriver(tmp_path, bays=3, size=MiB))
    infos = manager.scan("drive")
    assert [i.details["port"] for i in infos] == ["bay 1", "bay 2", "bay 3"]
    assert all(i.simulated and i.details["eligible"] == "yes" for i in infos)
    bay2 = tmp_path / "sim-bays" / "bay2.img"
    bay2.rename(tmp_path / "pulled.img")
    assert [i.details["port"] for i in manager.scan("drive")] == ["bay 1", "bay 3"]
    (tmp_path / "pulled.img").rename(bay2)
    assert len(manager.scan("drive")) == 3

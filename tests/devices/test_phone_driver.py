"""The phone driver in the DeviceManager, demo mode's phones, and the kernel hot-plug monitor."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from station import registry
from station.config import Config
from station.devices.base import DeviceInfo
from station.devices.manager import DeviceManager
from station.devices.phone.driver import PhoneDriver, real_factory
from station.sim import adb_demo
from station.sim.adb_rig import AdbRig

pytestmark = pytest.mark.timeout(60)


def test_manager_lists_phones_in_every_state_and_follows_them(rig: AdbRig) -> None:
    ok, locked = rig.add("clean-fbe"), rig.add("unauthorized")
    manager = DeviceManager()
    manager.register(PhoneDriver(rig.client))
    changes: list[tuple[list[DeviceInfo], list[DeviceInfo]]] = []
    manager.subscribe(lambda appeared, vanished: changes.append((appeared, vanished)))
    found = {d.id: d for d in manager.scan("phone")}
    assert set(found) == {ok.serial, locked.serial} and manager.summary() == {"phone": 2}
    assert found[ok.serial].label == f"Pixel 6a ({ok.serial})" and found[ok.serial].path == f"adb:{ok.serial}"
    assert found[ok.serial].details["state"] == "device"
    assert "Accept the USB debugging prompt" in found[locked.serial].details["instruction"]

    session = manager.session_for(found[ok.serial])
    assert session.is_usable()
    assert not manager.session_for(found[locked.serial]).is_usable()
    rig.client.reboot(ok.serial, "recovery")
    assert rig.client.wait_for(ok.serial, {"recovery"}, 3, 0.05) == "recovery"
    assert not session.is_usable()  # in recovery: not a phone the station can check

    locked.unplug()
    rig.client.disconnect(locked.serial)
    manager.scan("phone")
    assert [d.id for d in changes[-1][1]] == [locked.serial]
    assert manager.summary() == {"phone": 1}


def test_real_factory_needs_the_adb_client(tmp_path: Path) -> None:
    config = Config()
    assert isinstance(real_factory(config, tmp_path), PhoneDriver)
    config.set("phone.adb_path", "/nonexistent/adb")
    assert real_factory(config, tmp_path) is None  # phones off, the rest of the station runs
    names = {f"{f.__module__}.{f.__qualname__}" for f in (*registry.REAL, *registry.SIMULATED)}
    assert {"station.devices.phone.driver.real_factory", "station.sim.adb_demo.sim_factory"} <= names


def test_demo_mode_starts_simulated_phones_on_its_private_server(tmp_path: Path) -> None:
    config = Config()
    driver = adb_demo.sim_factory(config, tmp_path)
    port = config["phone.demo_server_port"]  # 0 became the free port chosen for this process
    try:
        assert driver is not None and driver.simulated and port > 0 and driver.client.server_port == port
        assert adb_demo.sim_factory(Config(), tmp_path).client.server_port == port  # one rig per process
        deadline = time.monotonic() + 20
        while len([d for d in driver.enumerate() if d.details["state"] == "device"]) < 3:
            assert time.monotonic() < deadline, driver.enumerate()
            time.sleep(0.1)
        models = sorted(d.details["model"] for d in driver.enumerate())
        assert models == ["Moto G 3rd gen", "Pixel 6a", "Pixel 6a"]  # as adb lists it
        assert all(d.simulated for d in driver.enumerate())
    finally:
        adb_demo.stop_demo(0)
    probe = subprocess.run(["adb", "-P", str(port), "devices"], capture_output=True, text=True, timeout=10)
    subprocess.run(["adb", "-P", str(port), "kill-server"], capture_output=True, timeout=10)  # the probe's own
    assert "daemon not running" in probe.stderr  # stop_demo killed the private server

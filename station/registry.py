"""Which drivers a station runs with, and the fall-back to demo mode.

Each device area adds its real driver factory to REAL and its simulated one to SIMULATED.
This is the one place outside demo mode's own commands that imports station.sim.
A factory takes the settings and the data dir and returns a Driver, or None when the
area is switched off in settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from station.config import Config
from station.devices.base import DeviceInfo, Driver
from station.devices.camera import driver as camera
from station.devices.manager import DeviceManager
from station.devices.phone import driver as phone
from station.devices.phone import ios_driver
from station.devices.printer import session as printer
from station.devices.scanner import serial_scanner
from station.erase import drives
from station.sim import adb_demo
from station.sim import camera as sim_camera
from station.sim import drives as sim_drives
from station.sim import printer as sim_printer
from station.sim import scanner as sim_scanner

log = logging.getLogger(__name__)

Factory = Callable[[Config, Path], Driver | None]

# Real drivers and their simulated counterparts (demo mode), one per device area.
REAL: list[Factory] = [camera.real_factory, printer.real_factory, serial_scanner.serial_scanner_driver,
                       drives.real_factory, phone.real_factory, ios_driver.real_factory]
SIMULATED: list[Factory] = [sim_camera.sim_factory, sim_printer.sim_factory, sim_scanner.simulated_scanner_driver,
                            sim_drives.sim_factory, adb_demo.sim_factory]


@dataclass
class Devices:
    manager: DeviceManager
    demo: bool
    reason: str


def _add(manager: DeviceManager, factories: list[Factory], config: Config, data_dir: Path) -> None:
    for factory in factories:
        try:
            driver = factory(config, data_dir)
        except Exception:
            log.exception("device driver %r could not start", factory)
            continue
        if driver is not None:
            manager.register(driver)


def bench_hardware(info: DeviceInfo) -> bool:
    """Something a technician works with. The station's own disks (refused by the guard) are not:
    every computer has one, and it must not keep a bench without devices out of demo mode."""
    return not (info.kind == "drive" and info.details.get("eligible") != "yes")


def build(config: Config, data_dir: Path, *, demo: bool = False) -> Devices:
    """Real drivers, then a scan; with `demo` or no real hardware found, the simulated ones."""
    manager = DeviceManager()
    if not demo:
        _add(manager, REAL, config, data_dir)
        found = [d for d in manager.scan() if bench_hardware(d)]
        if found:
            return Devices(manager, False, "hardware found: " + ", ".join(sorted({d.kind for d in found})))
        manager.close()
        reason = "no hardware found"
    else:
        reason = "demo mode requested"
    sim = DeviceManager()
    _add(sim, SIMULATED, config, data_dir)
    sim.scan()
    return Devices(sim, True, reason)

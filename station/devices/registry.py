"""Which drivers a station runs with, and the fall-back to demo mode.

Each device area adds its real driver factory to REAL and its simulated one to SIMULATED.
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
from station.devices.manager import DeviceManager

log = logging.getLogger(__name__)

Factory = Callable[[Config, Path], Driver | None]

REAL: list[Factory] = []
SIMULATED: list[Factory] = []


def _camera(config: Config, data_dir: Path) -> Driver | None:
    from station.devices.camera.driver import real_factory

    return real_factory(config, data_dir)


def _sim_camera(config: Config, data_dir: Path) -> Driver | None:
    from station.devices.sim.camera import sim_factory

    return sim_factory(config, data_dir)


REAL.append(_camera)
SIMULATED.append(_sim_camera)


def _printer(config: Config, data_dir: Path) -> Driver | None:
    from station.devices.printer.session import real_factory

    return real_factory(config, data_dir)


def _sim_printer(config: Config, data_dir: Path) -> Driver | None:
    from station.devices.sim.printer import sim_factory

    return sim_factory(config, data_dir)


REAL.append(_printer)
SIMULATED.append(_sim_printer)


def _scanner(config: Config, data_dir: Path) -> Driver | None:
    from station.devices.scanner.serial_scanner import serial_scanner_driver

    return serial_scanner_driver(config, data_dir)


def _sim_scanner(config: Config, data_dir: Path) -> Driver | None:
    from station.devices.sim.scanner import simulated_scanner_driver

    return simulated_scanner_driver(config, data_dir)


REAL.append(_scanner)
SIMULATED.append(_sim_scanner)


def _drives(config: Config, data_dir: Path) -> Driver | None:
    from station.devices.drives import real_factory

    return real_factory(config, data_dir)


def _sim_drives(config: Config, data_dir: Path) -> Driver | None:
    from station.devices.sim.drives import sim_factory

    return sim_factory(config, data_dir)


REAL.append(_drives)
SIMULATED.append(_sim_drives)


def _phones(config: Config, data_dir: Path) -> Driver | None:
    from station.devices.phone.driver import real_factory

    return real_factory(config, data_dir)


def _sim_phones(config: Config, data_dir: Path) -> Driver | None:
    from station.devices.sim.adb_demo import sim_factory

    return sim_factory(config, data_dir)


REAL.append(_phones)
SIMULATED.append(_sim_phones)


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

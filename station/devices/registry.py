"""Which drivers a station runs with, and the fall-back to demo mode.

Each device area adds its real driver factory to REAL and its simulated one to SIMULATED.
A factory takes the settings and the data dir and returns a Driver, or None when the
area is switched off in settings.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from station.config import Config
from station.devices.base import DeviceInfo, Driver
from station.devices.manager import DeviceManager

log = logging.getLogger(__name__)

Factory = Callable[[Config, Path], Driver | None]

def _lazy(module: str, name: str) -> Factory:
    """A factory that imports its driver module only when the station starts devices."""

    def factory(config: Config, data_dir: Path) -> Driver | None:
        made: Driver | None = getattr(importlib.import_module(module), name)(config, data_dir)
        return made

    factory.__qualname__ = f"{module}.{name}"
    return factory


# (real driver, simulated driver) per device area.
_AREAS = (
    (("station.devices.camera.driver", "real_factory"), ("station.devices.sim.camera", "sim_factory")),
    (("station.devices.printer.session", "real_factory"), ("station.devices.sim.printer", "sim_factory")),
    (("station.devices.scanner.serial_scanner", "serial_scanner_driver"),
     ("station.devices.sim.scanner", "simulated_scanner_driver")),
    (("station.devices.drives", "real_factory"), ("station.devices.sim.drives", "sim_factory")),
    (("station.devices.phone.driver", "real_factory"), ("station.devices.sim.adb_demo", "sim_factory")),
)
REAL: list[Factory] = [_lazy(*real) for real, _sim in _AREAS]
SIMULATED: list[Factory] = [_lazy(*sim) for _real, sim in _AREAS]


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

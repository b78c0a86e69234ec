"""Demo mode's phones: simulated phones on a private adb server, driven like USB phones.

One clean encrypted phone whose "technician" resets it in recovery by itself and which
comes back with USB debugging on (so a demo erase runs through to its certificate), one
phone still signed in to Google (blocked for FRP) and one old unencrypted rooted phone
(reset without hands, Clear). The private server is killed when the process exits.
"""

from __future__ import annotations

import atexit
import logging
import threading
from pathlib import Path

from station.config import Config
from station.devices.phone.driver import PhoneDriver
from station.sim.adb_models import PhoneModel, clean_fbe, fbe_with_google_account, old_unencrypted
from station.sim.adb_rig import AdbRig

log = logging.getLogger(__name__)


def demo_phones(step_s: float = 1.5) -> list[PhoneModel]:
    """`step_s` (phone.demo_step_s): a reboot, the wipe and the auto-technician's choice each take about that
    long, slow enough to follow in a demo, short in the scripted demo's test."""
    clean = clean_fbe("DEMO-PIXEL-01")
    clean.auto_technician, clean.adb_after_reset = True, True
    google = fbe_with_google_account("DEMO-PIXEL-02")
    old = old_unencrypted("DEMO-MOTO-03")
    for phone in (clean, old):
        phone.boot_s, phone.wipe_s, phone.auto_technician_s = step_s, step_s * 2 / 3, step_s * 4 / 3
    return [clean, google, old]


_rigs: dict[int, AdbRig] = {}  # one demo rig per server port and process, however many windows open
_lock = threading.Lock()


_ready: dict[int, threading.Event] = {}


def _start(rig: AdbRig, ready: threading.Event, step_s: float) -> None:
    try:
        rig.start()
        ready.set()
        for model in demo_phones(step_s):
            rig.add(model)
        log.info("demo phones on adb server port %s: %s", rig.client.server_port, [p.serial for p in rig.phones])
    except Exception:
        log.exception("demo phones could not start")


def _stop(rig: AdbRig, starting: threading.Thread) -> None:
    """At exit: let a start in progress finish first, or its server would outlive the process."""
    starting.join(timeout=15)
    rig.close()


def sim_factory(config: Config, _data_dir: Path) -> PhoneDriver | None:
    """The phones start in the background: the window opens at once and they appear at the next scan.

    phone.demo_server_port 0 (the default) picks a free port once per process and writes it
    back into these settings, so wipe_phone() on this station finds the same server and two
    demos (or test runs) on one machine never share, or kill, each other's server.
    """
    configured = config["phone.demo_server_port"]
    with _lock:
        rig = _rigs.get(configured)
        if rig is None:
            rig = _rigs[configured] = AdbRig(configured, adb_path=config["phone.adb_path"],
                                             timeout=config["phone.command_timeout_s"])
            ready = _ready[configured] = threading.Event()
            starting = threading.Thread(target=_start, args=(rig, ready, config["phone.demo_step_s"]),
                                        name="demo-phones", daemon=True)
            starting.start()
            atexit.register(_stop, rig, starting)
    config.set("phone.demo_server_port", rig.client.server_port)
    return PhoneDriver(rig.client, simulated=True, ready=_ready[configured])


def stop_demo(configured_port: int) -> None:
    """Stop the demo phones and their adb server now (tests; the app relies on atexit)."""
    with _lock:
        rig = _rigs.pop(configured_port, None)
        _ready.pop(configured_port, None)
    if rig is not None:
        rig.close()

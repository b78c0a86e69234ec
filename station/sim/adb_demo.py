"""Demo mode's phones: simulated phones on a private adb server, driven like USB phones.

One clean encrypted phone whose "technician" resets it in recovery by itself and which
comes back with USB debugging on (so a demo erase runs through to its certificate), one
phone still signed in to Google (blocked for FRP) and one old unencrypted rooted phone
(reset without hands, Clear) with a microSD card: the card is the last demo drive bay, so
the phone and its card are one unit of two media. The private server is killed when the
process exits.
"""

from __future__ import annotations

import atexit
import logging
import threading
from pathlib import Path

from station.config import Config
from station.devices.phone.driver import PhoneDriver
from station.devices.phone.identity import CARD_SERIAL
from station.paths import DataDir
from station.sim.adb_models import PhoneModel, clean_fbe, fbe_with_google_account, old_unencrypted
from station.sim.adb_rig import AdbRig
from station.sim.drives import bay_serial

log = logging.getLogger(__name__)


CARD_BAY = 4  # the demo drive bay that stands for the old phone's microSD card, in a card reader


def card_serial(data_dir: Path) -> str:
    return bay_serial(DataDir(data_dir).bays, CARD_BAY)


def demo_phones(step_s: float = 1.5, data_dir: Path | None = None) -> list[PhoneModel]:
    """`step_s` (phone.demo_step_s): a reboot, the wipe and the auto-technician's choice each take about that
    long, slow enough to follow in a demo, short in the scripted demo's test. `data_dir`: the station whose last
    demo bay is the old phone's microSD card."""
    clean = clean_fbe("DEMO-PIXEL-01")
    clean.auto_technician, clean.adb_after_reset = True, True
    google = fbe_with_google_account("DEMO-PIXEL-02")
    old = old_unencrypted("DEMO-MOTO-03")
    for phone in (clean, old):
        phone.boot_s, phone.wipe_s, phone.auto_technician_s = step_s, step_s * 2 / 3, step_s * 4 / 3
    if data_dir is not None:
        old.card_serial = card_serial(data_dir)
    return [clean, google, old]


_rigs: dict[int, AdbRig] = {}  # one demo rig per server port and process, however many windows open
_lock = threading.Lock()


_ready: dict[int, threading.Event] = {}


def _start(rig: AdbRig, ready: threading.Event, step_s: float, data_dir: Path) -> None:
    try:
        rig.start()
        ready.set()
        for model in demo_phones(step_s, data_dir):
            rig.add(model)
        log.info("demo phones on adb server port %s: %s", rig.client.server_port, [p.serial for p in rig.phones])
    except Exception:
        log.exception("demo phones could not start")


def _stop(rig: AdbRig, starting: threading.Thread) -> None:
    """At exit: let a start in progress finish first, or its server would outlive the process."""
    starting.join(timeout=15)
    rig.close()


def sim_factory(config: Config, data_dir: Path) -> PhoneDriver | None:
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
            starting = threading.Thread(target=_start, args=(rig, ready, config["phone.demo_step_s"], data_dir),
                                        name="demo-phones", daemon=True)
            starting.start()
            atexit.register(_stop, rig, starting)
        for phone in rig.phones:  # one rig serves every window of the process: the card is this station's bay
            if phone.state.model.card_serial:
                phone.state.model.card_serial = card_serial(data_dir)
                phone.state.files[CARD_SERIAL] = phone.state.model.card_serial.encode() + b"\n"
    config.set("phone.demo_server_port", rig.client.server_port)
    return PhoneDriver(rig.client, simulated=True, ready=_ready[configured])


def stop_demo(configured_port: int) -> None:
    """Stop the demo phones and their adb server now (tests; the app relies on atexit)."""
    with _lock:
        rig = _rigs.pop(configured_port, None)
        _ready.pop(configured_port, None)
    if rig is not None:
        rig.close()

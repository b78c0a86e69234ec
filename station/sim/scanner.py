"""A simulated serial scanner: a real pty pair the station opens through pyserial.

The station side opens a stable link (like /dev/serial/by-id/...) that points at the
pty's slave; the simulation writes scans into the master. Unplugging closes the master
and removes the link, as the kernel and udev do for a real USB-CDC scanner; plugging
back in makes a new pty and re-points the link. Tests, the benchmark and demo mode all
use this, so the whole pyserial + QSocketNotifier path runs for real.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import tty
from collections.abc import Iterator
from pathlib import Path

from station.config import Config
from station.devices.base import DeviceInfo
from station.devices.scanner.serial_scanner import SerialScannerSession
from station.identifiers import imei_check_digit

log = logging.getLogger(__name__)


class PtyScanner:
    """A scanner plugged into a pty. `path` is what the station opens."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master: int | None = None
        self.slave_name = ""
        self.plug()

    @property
    def path(self) -> str:
        return str(self.link)

    @property
    def plugged(self) -> bool:
        return self.master is not None

    def plug(self) -> None:
        if self.master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo: nothing flows back into the master before the station opens it
        self.slave_name = os.ttyname(slave)
        os.close(slave)
        os.set_blocking(master, False)  # a station that stops reading must not hang the writer
        self.master = master
        self.link.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(self.slave_name)
        tmp.replace(self.link)  # atomic re-point, like udev updating by-id

    def unplug(self) -> None:
        if self.master is None:
            return
        self.link.unlink(missing_ok=True)
        os.close(self.master)
        self.master = None

    def send(self, text: str, terminator: bytes = b"\r") -> None:
        """Write one scan as the scanner would: the data, then its terminator, in one burst."""
        if self.master is None:
            raise OSError("the simulated scanner is unplugged")
        data = text.encode("utf-8") + terminator
        view = memoryview(data)
        while view:
            n = os.write(self.master, view)
            view = view[n:]

    def close(self) -> None:
        self.unplug()


# Type allocation codes of common handsets, so demo IMEIs look like real ones.
_TACS = ("35209900", "35332510", "35875011", "86891304", "35391110", "35467711", "01326300")
_GTIN = "09506000134352"  # the GS1 example GTIN


def random_imei(rng: random.Random, valid: bool = True) -> str:
    body = rng.choice(_TACS) + f"{rng.randrange(10**6):06d}"
    check = int(imei_check_digit(body))
    return body + str(check if valid else (check + rng.randrange(1, 10)) % 10)


def demo_stream(rng: random.Random) -> Iterator[str]:
    """A technician's shift in scans: a badge, then units with commands between them.

    The mix: valid IMEIs (some with separators), a few with a wrong check digit, GS1
    element strings with an AIM identifier and a GS separator, serials, a lot label
    where a unit was expected, repeat scans, and command barcodes.
    """
    yield "OP-0001"
    seen: list[str] = []
    while True:
        roll = rng.random()
        if roll < 0.35:
            unit = random_imei(rng)
            if rng.random() < 0.3:
                unit = f"{unit[:2]}-{unit[2:8]}-{unit[8:14]}-{unit[14]}"
        elif roll < 0.45:
            unit = random_imei(rng, valid=False)
        elif roll < 0.60:
            unit = f"]C101{_GTIN}21{rng.randrange(10**8):08d}\x1d10LOT{rng.randrange(100):02d}"
        elif roll < 0.75:
            unit = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(12))
        elif roll < 0.80:
            unit = f"LOT-{rng.randrange(1000, 9999)}"
        elif seen:
            unit = rng.choice(seen)
        else:
            continue
        seen.append(unit)
        yield unit
        for _ in range(rng.randrange(0, 3)):
            yield rng.choice(("CMD:GRADE:" + rng.choice("ABCD"), "CMD:PHOTO", "CMD:NEXT", "CMD:PRINT", "CMD:WIPE"))


class SimulatedScannerDriver:
    """Demo mode's scanner: a PtyScanner fed by demo_stream() on a timer thread."""

    kind = "scanner"

    def __init__(self, link: Path, interval_s: float, seed: int | None = None) -> None:
        self.link, self.interval_s = link, interval_s
        self.rng = random.Random(seed)
        self.scanner: PtyScanner | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def enumerate(self) -> list[DeviceInfo]:
        if self.scanner is None:
            self.scanner = PtyScanner(self.link)
        return [DeviceInfo("scanner", "sim-scanner", "Simulated scanner", path=self.scanner.path, simulated=True)]

    def open(self, info: DeviceInfo) -> SerialScannerSession:
        session = SerialScannerSession(info, 9600)
        # Stream only once the port is open: pyserial flushes what arrived before, as a real port would.
        if self.interval_s > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sim-scanner", daemon=True)
            self._thread.start()
        return session

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        stream = demo_stream(self.rng)
        # The first scan (a badge) comes a few seconds after start, so the demo signs in by itself.
        delay = min(5.0, self.interval_s)
        while not self._stop.wait(delay):
            scanner = self.scanner
            if scanner is None or not scanner.plugged:
                break
            try:
                scanner.send(next(stream))
            except BlockingIOError:
                continue  # nobody reads the port: the scan is lost, as with a real scanner
            except OSError:
                log.debug("simulated scanner write failed", exc_info=True)
                break
            delay = self.interval_s * self.rng.uniform(0.6, 1.4)


def simulated_scanner_driver(config: Config, data_dir: Path) -> SimulatedScannerDriver | None:
    if config.get_str("scanner.port").strip() == "none":
        return None
    return SimulatedScannerDriver(data_dir / "sim" / "scanner", config.get_float("scanner.demo_interval_s"))

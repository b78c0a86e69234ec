"""Serial (USB-CDC / RS-232) barcode scanners through pyserial.

The port is opened non-blocking (timeout=0). Nobody waits in a thread: the GUI watches
`fileno()` with a QSocketNotifier and calls `read_scans()` when bytes are there. An
unplug surfaces as pyserial's "device reports readiness to read but returned no data"
(or EIO on a pty): `read_scans()` turns it into a DeviceError, the caller closes the
session and asks the DeviceManager again later, which reopens the same port by its
stable /dev/serial/by-id path when it is back.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import serial

from station.config import Config
from station.devices.base import DeviceInfo, Transport
from station.devices.scanner import detect
from station.devices.scanner.framing import ScanFramer
from station.errors import DeviceError
from station.i18n import _

log = logging.getLogger(__name__)


class SerialTransport(Transport):
    """pyserial behind the logging Transport: every byte read is in the debug log."""

    def __init__(self, path: str, baudrate: int) -> None:
        self.name = f"scanner:{path}"
        try:
            self.port = serial.Serial(path, baudrate=baudrate, timeout=0, write_timeout=1, exclusive=True)
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(_("The scanner at {path} cannot be opened ({exc}); check that no other "
                                "program uses it and that you are in the 'dialout' group.").format(
                    path=path, exc=exc)) from exc

    def _read(self, size: int) -> bytes:
        return bytes(self.port.read(size))

    def _write(self, data: bytes) -> int:
        return int(self.port.write(data) or 0)

    def close(self) -> None:
        try:
            self.port.close()
        except (serial.SerialException, OSError):
            log.debug("closing %s failed", self.name, exc_info=True)


class SerialScannerSession:
    """One open serial scanner."""

    def __init__(self, info: DeviceInfo, baudrate: int) -> None:
        self.info = info
        self.transport = SerialTransport(info.path, baudrate)
        self.framer = ScanFramer()
        self._failed = False

    def fileno(self) -> int:
        return int(self.transport.port.fileno())

    def is_usable(self) -> bool:
        return not self._failed and self.transport.port.is_open

    def read_scans(self) -> list[str]:
        """Complete scans that have arrived; [] if none yet. DeviceError when the scanner is gone."""
        try:
            data = self.transport.read(4096)
        except (serial.SerialException, OSError) as exc:
            self._failed = True
            raise DeviceError(_("{label} was disconnected; it reconnects by itself when plugged back in.").format(
                    label=self.info.label)) from exc
        return self.framer.feed(data) if data else []

    def flush(self) -> list[str]:
        """A scan still waiting for its terminator (scanners configured to send none)."""
        return self.framer.flush()

    def close(self) -> None:
        self._failed = True
        self.transport.close()


class SerialScannerDriver:
    """Finds the configured port, or scanners by USB vendor/name through pyudev ('auto')."""

    kind = "scanner"

    def __init__(self, port: str, baudrate: int) -> None:
        self.port, self.baudrate = port, baudrate

    def enumerate(self) -> list[DeviceInfo]:
        if self.port == "auto":
            return detect.find_scanners()
        if not os.path.exists(self.port):  # follows the by-id link: a dangling link means unplugged
            return []
        return [DeviceInfo("scanner", self.port, f"Scanner {Path(self.port).name}", path=self.port)]

    def open(self, info: DeviceInfo) -> SerialScannerSession:
        return SerialScannerSession(info, self.baudrate)


def serial_scanner_driver(config: Config, _data_dir: Path) -> SerialScannerDriver | None:
    port = config.get_str("scanner.port").strip()
    if port in ("", "none"):
        return None
    return SerialScannerDriver(port, config.get_int("scanner.baudrate"))

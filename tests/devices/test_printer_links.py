"""The other links: a printer device file (a pty standing in for /dev/usb/lp0), ESC/POS
over serial (python-escpos's Serial backend on a pty), settings parsing, discovery."""

from __future__ import annotations

import os
import threading
import tty
from collections.abc import Iterator

import pytest

from station.config import Config
from station.devices.printer.connection import PrinterSpec, from_config, parse_name
from station.devices.printer.decode import EscposStream, zpl_images
from station.devices.printer.discovery import discover, hosts
from station.devices.printer.session import PrinterDriver, session_for_spec
from station.errors import ConfigError, DeviceError, UserFacingError
from station.labels import layout
from station.labels.render import render
from station.sim.printer import SimPrinterServer, zpl_status
from tests.labels.helpers import SAMPLE, same_pixels

CONFIG = Config({"printer.timeout_s": 1.0, "printer.profile": "TM-L90"})


class PtyPrinter:
    """The printer end of a pty: reads what the station writes, answers status queries."""

    def __init__(self, protocol: str) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no newline translation: a byte pipe like usblp
        self.path = os.ttyname(slave)
        self._slave = slave
        self.protocol, self.raw = protocol, bytearray()
        self.stream = EscposStream(lambda _n: bytes([0x12]))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import select

        answered = 0
        while not self._stop.is_set():
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            data = os.read(self.master, 65536)
            self.raw += data
            if self.protocol == "escpos":
                reply = self.stream.feed(data)
            else:
                n = self.raw.count(b"~HS")
                reply, answered = zpl_status(False, False) * (n - answered), n
            if reply:
                os.write(self.master, reply)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self._slave)


@pytest.fixture
def pty_printer(request: pytest.FixtureRequest) -> Iterator[PtyPrinter]:
    p = PtyPrinter(request.param)
    yield p
    p.close()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("pty_printer", ["zpl"], indirect=True)
def test_zpl_through_a_device_file(pty_printer: PtyPrinter) -> None:
    preview = render(layout.find("62x29mm"), SAMPLE, 300)
    session = session_for_spec(parse_name(f"zpl@file:{pty_printer.path}"), CONFIG)
    assert session.status() == "ready"  # the device file is read too: ~HS answered
    session.print_bitmap(preview)
    (img,) = zpl_images(bytes(pty_printer.raw))
    assert same_pixels(img, preview)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("pty_printer", ["escpos"], indirect=True)
def test_escpos_through_the_serial_backend(pty_printer: PtyPrinter) -> None:
    preview = render(layout.find("2x1in"), SAMPLE, 203)
    session = session_for_spec(parse_name(f"escpos@serial:{pty_printer.path}:115200"), CONFIG)
    session.print_bitmap(preview)
    assert same_pixels(pty_printer.stream.image(), preview)


def test_missing_device_file_and_driver_listing() -> None:  # type: ignore[no-untyped-def]
    spec = PrinterSpec("zpl", "file", "/dev/usb/lp-missing")
    with pytest.raises(DeviceError, match="No printer at /dev/usb/lp-missing: check the USB cable"):
        session_for_spec(spec, CONFIG).print_bitmap(render(layout.find("2x1in"), SAMPLE, 203))
    assert PrinterDriver(CONFIG, spec).enumerate() == []
    net = PrinterSpec("zpl", "tcp", "10.0.0.7", 9100)
    assert [i.id for i in PrinterDriver(CONFIG, net).enumerate()] == ["zpl@tcp://10.0.0.7:9100"]


def test_connection_settings() -> None:
    cfg = Config({"printer.kind": "zpl", "printer.connection": "tcp://10.0.0.7"})
    assert from_config(cfg) == PrinterSpec("zpl", "tcp", "10.0.0.7", 9100)
    assert from_config(Config()) is None
    assert parse_name("escpos@usb:04B8:0202").target == "04b8:0202"
    assert parse_name("escpos@serial:/dev/ttyUSB0:19200").baudrate == 19200
    with pytest.raises(ConfigError, match=r"printer\.connection is empty"):
        from_config(Config({"printer.kind": "zpl"}))
    with pytest.raises(ConfigError, match="device file: use file:/dev/usb/lp0"):
        parse_name("zpl@usb:0a5f:0001")
    with pytest.raises(ConfigError, match="not understood"):
        parse_name("zpl@lpt1")


@pytest.mark.timeout(30)
def test_discovery_finds_the_printer_on_loopback_only_when_asked() -> None:
    srv = SimPrinterServer("zpl", model="ZD421-203dpi")
    try:
        found = discover("127.0.0.1/32", port=srv.port, timeout=0.5)
        assert [(f.host, f.port, f.model) for f in found] == [("127.0.0.1", srv.port, "ZD421-203dpi")]
        assert found[0].printer_name == f"zpl@tcp://127.0.0.1:{srv.port}"
        srv.set_fault("refuse")
        assert discover("127.0.0.1/32", port=srv.port, timeout=0.5) == []
    finally:
        srv.stop()
    assert srv.jobs == []  # probes are not labels
    with pytest.raises(UserFacingError, match="at most a /22"):
        hosts("10.0.0.0/16")
    with pytest.raises(UserFacingError, match="is not a network"):
        hosts("printer-room")

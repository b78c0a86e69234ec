"""Serial scanners over real pty pairs through pyserial: framing, unplug (master closed) and reconnect."""

from __future__ import annotations

import os
import random
import select
import threading
import time
from pathlib import Path

import pytest

from station.config import Config
from station.devices.manager import DeviceManager
from station.devices.scanner import detect
from station.devices.scanner.framing import ScanFramer
from station.devices.scanner.serial_scanner import SerialScannerDriver, SerialScannerSession, serial_scanner_driver
from station.errors import DeviceError, UserFacingError
from station.identifiers import classify
from station.sim.scanner import PtyScanner, SimulatedScannerDriver, demo_stream, random_imei, simulated_scanner_driver

pytestmark = pytest.mark.timeout(60)


def _read_until(session: SerialScannerSession, count: int, timeout: float = 5.0) -> list[str]:
    scans: list[str] = []
    end = time.monotonic() + timeout
    while len(scans) < count and time.monotonic() < end:
        select.select([session.fileno()], [], [], 0.2)
        scans += session.read_scans()
    return scans


@pytest.fixture
def pty_scanner(tmp_path: Path):
    scanner = PtyScanner(tmp_path / "serial" / "by-id" / "usb-Honeywell_Xenon_1902-if00")
    yield scanner
    scanner.close()


def test_framer_handles_chunks_crlf_stx_etx_and_no_terminator() -> None:
    f = ScanFramer()
    assert f.feed(b"3520990") == [] and f.pending
    assert f.feed(b"01761481\r\n") == ["352099001761481"]  # CR LF is one terminator, no empty scan
    assert f.feed(b"\x02OP-1001\x03\x02CMD:NEXT\x03") == ["OP-1001", "CMD:NEXT"]
    assert f.feed(b"noise\x02AT-12345\r") == ["AT-12345"]  # STX starts a fresh frame
    assert f.feed(b"]C1010950600013435221X\x1d10L\n") == ["]C1010950600013435221X\x1d10L"]  # GS is data
    assert f.feed(b"C02XK1Y8JG5H") == [] and f.flush() == ["C02XK1Y8JG5H"] and f.flush() == []
    assert f.feed("caf\u00e9\r".encode()) == ["caf\u00e9"]
    assert f.feed(b"\xff\xfe\r") == ["\xff\xfe"]  # undecodable bytes survive for the classifier to reject


def test_scans_arrive_through_pyserial_on_a_pty(pty_scanner: PtyScanner) -> None:
    driver = SerialScannerDriver(pty_scanner.path, 9600)
    (info,) = driver.enumerate()
    assert info.id == pty_scanner.path and "usb-Honeywell" in info.label
    session = driver.open(info)
    try:
        pty_scanner.send("352099001761481")
        pty_scanner.send("]C1010950600013435221ABC\x1d10LOT5", terminator=b"\r\n")
        pty_scanner.send("CMD:GRADE:B", terminator=b"\x03")
        assert _read_until(session, 3) == ["352099001761481", "]C1010950600013435221ABC\x1d10LOT5", "CMD:GRADE:B"]
        assert session.read_scans() == []  # nothing more: a non-blocking read returns at once
        # A scan split across writes (a slow UART) is still one scan.
        assert pty_scanner.master is not None
        os.write(pty_scanner.master, b"OP-10")
        assert _read_until(session, 1, timeout=0.3) == []
        os.write(pty_scanner.master, b"01\r")
        assert _read_until(session, 1) == ["OP-1001"]
    finally:
        session.close()
    assert not session.is_usable()


def test_unplug_is_a_device_error_and_the_port_comes_back(pty_scanner: PtyScanner) -> None:
    manager = DeviceManager()
    manager.register(SerialScannerDriver(pty_scanner.path, 9600))
    (info,) = manager.scan()
    session = manager.session_for(info)
    assert isinstance(session, SerialScannerSession) and session.is_usable()
    pty_scanner.send("OP-1001")
    assert _read_until(session, 1) == ["OP-1001"]

    pty_scanner.unplug()  # close the master, remove the by-id link: what a USB unplug looks like
    readable, _, _ = select.select([session.fileno()], [], [], 2)
    assert readable  # a hung-up port is readable...
    with pytest.raises(DeviceError, match="was disconnected; it reconnects by itself") as err:
        session.read_scans()  # ...and reading it is the unplug signal
    assert "returned no data" in str(err.value.__cause__) or "Input/output" in str(err.value.__cause__)
    assert not session.is_usable()
    assert manager.scan("scanner") == [] and manager.summary() == {}
    with pytest.raises(DeviceError, match="not connected"):
        manager.session_for(info)

    pty_scanner.plug()
    (back,) = manager.scan("scanner")
    assert back.id == info.id  # the same stable path
    fresh = manager.session_for(back)
    assert fresh is not session
    pty_scanner.send("352099001761481")
    assert _read_until(fresh, 1) == ["352099001761481"]
    manager.close()


def test_opening_a_missing_port_says_what_to_check(tmp_path: Path) -> None:
    driver = SerialScannerDriver(str(tmp_path / "nope"), 9600)
    assert driver.enumerate() == []
    from station.devices.base import DeviceInfo

    with pytest.raises(DeviceError, match="cannot be opened"):
        driver.open(DeviceInfo("scanner", "x", "Scanner x", path=str(tmp_path / "nope")))


def test_factory_follows_settings(tmp_path: Path) -> None:
    assert serial_scanner_driver(Config({"scanner.port": "none"}), tmp_path) is None
    auto = serial_scanner_driver(Config(), tmp_path)
    assert auto is not None and auto.port == "auto"
    fixed = serial_scanner_driver(Config({"scanner.port": "/dev/serial/by-id/x", "scanner.baudrate": 115200}), tmp_path)
    assert fixed is not None and (fixed.port, fixed.baudrate) == ("/dev/serial/by-id/x", 115200)


def test_auto_detect_by_vendor_and_name() -> None:
    assert detect.is_scanner("0C2E", "0b61", "Honeywell", "Xenon 1902")
    assert detect.is_scanner("05e0", "1200", "", "")
    assert detect.is_scanner("1234", "0001", "ACME", "2D Barcode Imager")
    assert not detect.is_scanner("1a86", "7523", "", "USB Serial")  # a bare CH340 is a generic adapter
    assert not detect.is_scanner("2341", "0043", "Arduino", "Uno")
    # Enumerating the real machine through pyudev works without udevd; ptys and ttyS are not USB scanners.
    assert all(d.kind == "scanner" for d in detect.find_scanners())


def test_demo_stream_is_a_realistic_mix() -> None:
    rng = random.Random(7)
    stream = demo_stream(rng)
    scans = [next(stream) for _ in range(400)]
    assert scans[0] == "OP-0001"
    kinds: dict[str, int] = {}
    invalid_imeis = 0
    for text in scans:
        try:
            c = classify(text)
        except UserFacingError:
            pytest.fail(f"demo scan {text!r} is not even a barcode")
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
        invalid_imeis += c.kind == "imei" and not c.valid
    assert {"badge", "imei", "gs1", "serial", "command", "lot"} <= set(kinds)
    assert invalid_imeis > 0 and kinds["imei"] > invalid_imeis
    assert any("-" in s and classify(s).kind == "imei" for s in scans)  # some IMEIs printed with separators
    assert classify(random_imei(rng)).valid and not classify(random_imei(rng, valid=False)).valid


def test_simulated_scanner_streams_through_the_same_pyserial_path(tmp_path: Path) -> None:
    driver = SimulatedScannerDriver(tmp_path / "sim" / "scanner", interval_s=0.05, seed=3)
    try:
        (info,) = driver.enumerate()
        assert info.simulated and os.path.islink(info.path)
        session = driver.open(info)
        assert isinstance(session, SerialScannerSession)
        scans = _read_until(session, 4)
        assert scans[0] == "OP-0001" and len(scans) >= 4
        session.close()
    finally:
        driver.stop()
        if driver.scanner is not None:
            driver.scanner.close()


@pytest.mark.hardware
def test_real_serial_scanner(request: pytest.FixtureRequest) -> None:
    """Scan any barcode within 20 s: `pytest -m hardware --device=/dev/serial/by-id/...`."""
    (path,) = request.config.getoption("--device") or [""]
    driver = SerialScannerDriver(path, 9600) if path else SerialScannerDriver("auto", 9600)
    (info, *_) = driver.enumerate()
    session = driver.open(info)
    try:
        (scan, *_) = _read_until(session, 1, timeout=20)
    finally:
        session.close()
    assert scan


def test_the_demo_scanner_leaves_the_scanning_to_the_technician(tmp_path: Path) -> None:
    """`make run` without hardware: the simulated scanner is there to be driven (the bench's own wedge, the
    script), not a stream of random scans that opens units under the technician's hands."""
    driver = simulated_scanner_driver(Config(), tmp_path)
    assert driver is not None
    (info,) = driver.enumerate()
    session = driver.open(info)
    try:
        assert "sim-scanner" not in {t.name for t in threading.enumerate()}
        assert _read_until(session, 1, timeout=0.5) == []
        assert driver.scanner is not None
        driver.scanner.send("OP-0001")  # what the scanner is given still arrives
        assert _read_until(session, 1) == ["OP-0001"]
    finally:
        session.close()
        driver.stop()
        driver.scanner.close()

    # Random scans stay available on request.
    opted = simulated_scanner_driver(Config({"scanner.demo_interval_s": 0.05}), tmp_path / "opted")
    assert opted is not None
    session = opted.open(opted.enumerate()[0])
    try:
        assert _read_until(session, 1)[:1] == ["OP-0001"]  # the random shift starts with the demo badge
    finally:
        session.close()
        opted.stop()
        assert opted.scanner is not None
        opted.scanner.close()

"""A simulated network label printer: a TCP listener on 127.0.0.1 that takes ZPL or
ESC/POS, answers status queries like a printer, and decodes each job back to the bitmap
it would print. Demo mode prints to it; tests use it as the printer peer.

Faults a technician meets, on demand: "paper_out", "offline" (paused), "refuse" (nothing
listens), "silent" (accepts, never reads or answers) and "close_mid_job".
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from station.config import Config
from station.devices.base import DeviceInfo
from station.devices.printer.connection import PrinterProtocol, PrinterSpec
from station.devices.printer.decode import EscposStream, zpl_images
from station.devices.printer.session import PrinterSession, info_for, session_for_spec

log = logging.getLogger(__name__)
FAULTS = (None, "paper_out", "offline", "refuse", "silent", "close_mid_job")


@dataclass
class CapturedJob:
    raw: bytes
    images: list[Image.Image] = field(default_factory=list)
    at: float = field(default_factory=time.time)


def zpl_status(paper_out: bool, paused: bool) -> bytes:
    s1 = f"030,{int(paper_out)},{int(paused)},0812,000,0,0,0,000,0,0,0"
    s2 = "000,0,0,0,0,2,4,0,00000000,1,000"
    s3 = "0000,0"
    return b"".join(b"\x02" + s.encode() + b"\x03\r\n" for s in (s1, s2, s3))


class SimPrinterServer:
    def __init__(self, protocol: PrinterProtocol = "zpl", *, host: str = "127.0.0.1", port: int = 0,
                 capture_dir: Path | None = None, model: str = "SIM-ZD420-203dpi") -> None:
        self.protocol, self.host, self.model = protocol, host, model
        self.capture_dir = capture_dir
        self.fault: str | None = None
        self.jobs: list[CapturedJob] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = port
        self._listen()
        self._thread = threading.Thread(target=self._serve, name=f"sim-printer-{self.port}", daemon=True)
        self._thread.start()

    @property
    def spec(self) -> PrinterSpec:
        return PrinterSpec(self.protocol, "tcp", self.host, self.port)

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(8)
        sock.settimeout(0.1)
        self.port = sock.getsockname()[1]
        self._listener = sock

    def set_fault(self, fault: str | None) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        with self._cond:
            self.fault = fault
            if fault == "refuse" and self._listener is not None:
                with contextlib.suppress(OSError):  # stops listening now, even while the server sits in accept()
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            elif fault != "refuse" and self._listener is None:
                self._listen()

    def _serve(self) -> None:
        while not self._stop.is_set():
            listener = self._listener
            if listener is None:
                time.sleep(0.05)
                continue
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            self._conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _escpos_answer(self, n: int) -> bytes:
        base = 0x12  # fixed bits of every DLE EOT reply
        if n == 1:
            return bytes([base | (0x08 if self.fault in ("offline", "paper_out") else 0)])
        if n == 4:
            return bytes([base | (0x60 if self.fault == "paper_out" else 0)])
        return bytes([base])

    def _handle(self, conn: socket.socket) -> None:
        fault = self.fault
        conn.settimeout(0.2)
        raw = bytearray()
        stream = EscposStream(self._escpos_answer)
        answered = 0
        try:
            while not self._stop.is_set():
                if fault == "silent":
                    time.sleep(0.05)  # holds the connection; never reads, never answers
                    continue
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                raw += data
                if fault == "close_mid_job" and len(raw) > 64:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return  # closed by `finally` with a reset, as a printer that crashed does
                if self.protocol == "escpos":
                    reply = stream.feed(data)
                else:
                    queries = raw.count(b"~HS")
                    reply = zpl_status(fault == "paper_out", fault == "offline") * (queries - answered)
                    answered = queries
                    if b"~HI" in data:
                        reply += b"\x02" + self.model.encode() + b",V84.20.18Z,8,8192KB\x03\r\n"
                if reply:
                    conn.sendall(reply)
        except OSError:
            log.debug("simulated printer connection dropped", exc_info=True)
        finally:
            conn.close()
        if fault in (None,):
            self._record(bytes(raw), stream)

    def _record(self, raw: bytes, stream: EscposStream) -> None:
        if self.protocol == "escpos":
            img = stream.image()
            images = [img] if img is not None else []
        else:
            images = zpl_images(raw)
        if not images and b"^XA" not in raw:
            return  # a status query or discovery probe, not a label
        job = CapturedJob(raw, images)
        if self.capture_dir is not None and images:
            self.capture_dir.mkdir(parents=True, exist_ok=True)
            images[0].save(self.capture_dir / f"label-{len(self.jobs) + 1:04d}.png")
        with self._cond:
            self.jobs.append(job)
            self._cond.notify_all()

    def wait_for_jobs(self, n: int, timeout: float = 5.0) -> list[CapturedJob]:
        """The first n jobs, waiting for them (a connection is recorded when it closes)."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.jobs) >= n, timeout)
            return list(self.jobs)

    def last_image(self) -> Image.Image | None:
        with self._cond:
            for job in reversed(self.jobs):
                if job.images:
                    return job.images[0]
        return None

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
        for c in self._conns:
            with contextlib.suppress(OSError):
                c.close()
        self._thread.join(timeout=2)


class SimPrinterSession(PrinterSession):
    """A session on the simulated printer that can also show what it printed."""

    server: SimPrinterServer

    def captured(self) -> Image.Image | None:
        return self.server.last_image()


class SimPrinterDriver:
    kind = "printer"

    def __init__(self, config: Config, server: SimPrinterServer) -> None:
        self.config, self.server = config, server

    def enumerate(self) -> list[DeviceInfo]:
        lang = "ZPL" if self.server.protocol == "zpl" else "ESC/POS"
        return [info_for(self.server.spec, simulated=True,
                         label=f"Simulated {lang} printer (127.0.0.1:{self.server.port})")]

    def open(self, info: DeviceInfo) -> PrinterSession:
        base = session_for_spec(self.server.spec, self.config, info=info)
        session = SimPrinterSession(info, base.spec, timeout=base.timeout, profile=base.profile, dpi=base.dpi)
        session.server = self.server
        return session


def sim_factory(config: Config, data_dir: Path) -> SimPrinterDriver:
    protocol: PrinterProtocol = "escpos" if config["printer.kind"] == "escpos" else "zpl"
    server = SimPrinterServer(protocol, capture_dir=data_dir / "sim-printer")
    return SimPrinterDriver(config, server)

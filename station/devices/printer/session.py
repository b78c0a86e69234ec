"""The printer driver and session: ask the printer's state, send one label, confirm it.

Each label opens its own connection (a network printer may be shared by benches), asks
the printer's status first (offline, paper out, head open: each its own sentence),
sends the job, and asks again: a printer that answers after the job has taken every
byte of it, and one that closed mid-job or went silent is reported, never assumed done.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from station.config import Config
from station.devices.base import DeviceInfo, Transport
from station.devices.printer import escpos_job, zpl
from station.devices.printer.connection import PrinterSpec, from_config, parse
from station.devices.printer.transport import open_transport
from station.errors import DeviceError
from station.i18n import _

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Printed:
    printer: str
    bytes_sent: int


def info_for(spec: PrinterSpec, *, simulated: bool = False, label: str | None = None) -> DeviceInfo:
    lang = "ZPL" if spec.protocol == "zpl" else "ESC/POS"
    return DeviceInfo("printer", spec.name, label or f"{lang} printer {spec.connection}", spec.connection,
                      simulated=simulated, details={"protocol": spec.protocol})


class PrinterSession:
    def __init__(self, info: DeviceInfo, spec: PrinterSpec, *, timeout: float, profile: str, dpi: int) -> None:
        self.info, self.spec, self.timeout, self.profile = info, spec, timeout, profile
        self.max_width: int | None = None
        self.dpi = dpi
        if spec.protocol == "escpos":
            width, profile_dpi = escpos_job.media(profile)
            self.max_width, self.dpi = width, profile_dpi or dpi

    @property
    def name(self) -> str:
        return self.spec.name

    def is_usable(self) -> bool:
        return True  # nothing is held open between labels

    def close(self) -> None:
        pass

    def job_bytes(self, img: Image.Image, native_zpl: bytes | None = None) -> bytes:
        if self.spec.protocol == "escpos":
            return escpos_job.build_job(img, self.profile)
        return native_zpl if native_zpl is not None else zpl.build_job(img)

    def _problem(self, t: Transport) -> str | None:
        if self.spec.protocol == "escpos":
            t.write(escpos_job.DLE_EOT_PRINTER)
            printer = t.read(16)[-1]
            t.write(escpos_job.DLE_EOT_PAPER)
            paper = t.read(16)[-1]
            return escpos_job.status_problem(printer, paper)
        t.write(zpl.HOST_STATUS)
        reply, deadline = b"", time.monotonic() + self.timeout
        while not zpl.host_status_complete(reply):
            if time.monotonic() > deadline:
                raise DeviceError(_("{where} answered only part of its status in {timeout:g} s: check it is "
                                    "a ZPL printer and online.").format(where=self.spec.where, timeout=self.timeout))
            reply += t.read(256)
        return zpl.status_problem(reply)

    def _check(self, t: Transport) -> None:
        if getattr(t, "can_read", False):
            problem = self._problem(t)
            if problem:
                raise DeviceError(f"{self.spec.where} {problem}.")

    def status(self) -> str:
        """'ready', or the sentence saying what is wrong (never raises for a printer problem)."""
        try:
            t = open_transport(self.spec, self.timeout, self.profile)
            try:
                self._check(t)
            finally:
                t.close()
        except DeviceError as exc:
            return str(exc)
        return "ready"

    def print_bitmap(self, img: Image.Image, native_zpl: bytes | None = None) -> Printed:
        """Send one label. DeviceError (a sentence for the technician) when it did not print."""
        if img.mode != "1":
            raise ValueError("labels are 1-bit bitmaps")
        if self.max_width is not None and img.width > self.max_width:
            raise DeviceError(_("The label is {width} dots wide but a {profile} prints at most {max_width}: "
                                "choose a narrower layout or set printer.profile to this model.").format(
                    width=img.width, profile=self.profile, max_width=self.max_width))
        payload = self.job_bytes(img, native_zpl)
        t = open_transport(self.spec, self.timeout, self.profile)
        try:
            self._check(t)
            t.write(payload)
            self._check(t)  # answered after the job: it took every byte
        finally:
            t.close()
        log.info("label sent to %s (%d bytes)", self.spec.name, len(payload))
        return Printed(self.spec.name, len(payload))


def session_for_spec(spec: PrinterSpec, config: Config, *, info: DeviceInfo | None = None) -> PrinterSession:
    return PrinterSession(info or info_for(spec), spec, timeout=config.get_float("printer.timeout_s"),
                          profile=config.get_str("printer.profile"), dpi=config.get_int("printer.dpi"))


class PrinterDriver:
    """The printer named in settings. A network printer is listed when configured (whether it
    is reachable is asked when printing); a USB or device-file printer only while attached."""

    kind = "printer"

    def __init__(self, config: Config, spec: PrinterSpec) -> None:
        self.config, self.spec = config, spec

    def enumerate(self) -> list[DeviceInfo]:
        spec = self.spec
        if spec.scheme == "usb":
            import usb.core

            vid, pid = (int(p, 16) for p in spec.target.split(":"))
            if usb.core.find(idVendor=vid, idProduct=pid) is None:
                return []
        elif (spec.scheme in ("serial", "file") and not Path(spec.target).exists()
              and (spec.scheme == "serial" or spec.target.startswith("/dev/"))):
            return []
        return [info_for(spec)]

    def open(self, info: DeviceInfo) -> PrinterSession:
        return session_for_spec(self.spec, self.config, info=info)


def real_factory(config: Config, _data_dir: Path) -> PrinterDriver | None:
    spec = from_config(config)
    return PrinterDriver(config, spec) if spec else None


__all__ = ["Printed", "PrinterDriver", "PrinterSession", "info_for", "parse", "real_factory", "session_for_spec"]

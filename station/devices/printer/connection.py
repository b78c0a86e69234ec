"""Which printer, and how to reach it: `<language>@<connection>`, e.g. `zpl@tcp://10.0.0.7:9100`.

Settings give the default printer (`printer.kind` + `printer.connection`); the CLI's
`--printer` takes the same `<language>@<connection>` text to print somewhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast, get_args

from station.config import Config
from station.errors import ConfigError
from station.i18n import _

PrinterProtocol = Literal["escpos", "zpl"]
Scheme = Literal["tcp", "usb", "serial", "file"]
PROTOCOLS: tuple[PrinterProtocol, ...] = get_args(PrinterProtocol)
FORMS = "tcp://HOST[:PORT], usb:VID:PID, serial:/dev/ttyUSB0[:BAUD] or file:/dev/usb/lp0"


@dataclass(frozen=True)
class PrinterSpec:
    protocol: PrinterProtocol
    scheme: Scheme
    target: str  # host, /dev path, or VID:PID
    port: int = 9100
    baudrate: int = 9600

    @property
    def connection(self) -> str:
        if self.scheme == "tcp":
            return f"tcp://{self.target}:{self.port}"
        if self.scheme == "serial":
            return f"serial:{self.target}:{self.baudrate}"
        return f"{self.scheme}:{self.target}"

    @property
    def name(self) -> str:
        """Stable text naming this printer: stored on print jobs and shown in history."""
        return f"{self.protocol}@{self.connection}"

    @property
    def where(self) -> str:
        """How the technician recognises it: 'Printer at 10.0.0.7:9100'."""
        if self.scheme == "tcp":
            return f"Printer at {self.target}:{self.port}"
        if self.scheme == "usb":
            return f"USB printer {self.target}"
        return f"Printer on {self.target}"


def parse(language: str, connection: str, *, source: str = "printer settings") -> PrinterSpec:
    language = language.strip().lower()
    if language not in PROTOCOLS:
        raise ConfigError(_("{source}: printer language '{language}' is not one of {protocols}.").format(
                source=source, language=language, protocols=', '.join(PROTOCOLS)))
    protocol = cast(PrinterProtocol, language)
    conn = connection.strip()
    if m := re.fullmatch(r"tcp://([^:/\s]+)(?::(\d{1,5}))?/?", conn):
        return PrinterSpec(protocol, "tcp", m.group(1), int(m.group(2) or 9100))
    if m := re.fullmatch(r"usb:([0-9a-fA-F]{4}):([0-9a-fA-F]{4})", conn):
        if protocol != "escpos":
            raise ConfigError(_("{source}: a ZPL printer on USB is reached through its device file: use "
                                "file:/dev/usb/lp0.").format(source=source))
        return PrinterSpec(protocol, "usb", f"{m.group(1).lower()}:{m.group(2).lower()}")
    if m := re.fullmatch(r"serial:(/[^:\s]+)(?::(\d{3,7}))?", conn):
        return PrinterSpec(protocol, "serial", m.group(1), baudrate=int(m.group(2) or 9600))
    if m := re.fullmatch(r"file:(/\S+)", conn):
        return PrinterSpec(protocol, "file", m.group(1))
    raise ConfigError(_("{source}: printer connection '{connection}' is not understood. Use {FORMS}.").format(
            source=source, connection=connection, FORMS=FORMS))


def parse_name(name: str) -> PrinterSpec:
    """`zpl@tcp://10.0.0.7:9100` -> PrinterSpec (the form `--printer` takes)."""
    protocol, sep, connection = name.partition("@")
    if not sep:
        raise ConfigError(_("Printer '{name}' is not understood. Write LANGUAGE@CONNECTION, e.g. "
                            "zpl@tcp://10.0.0.7:9100; LANGUAGE is escpos or zpl, CONNECTION one of {FORMS}.").format(
                name=name, FORMS=FORMS))
    return parse(protocol, connection, source=f"printer '{name}'")


def from_config(config: Config) -> PrinterSpec | None:
    """The default printer from settings, or None when `printer.kind` is 'none'."""
    kind = config.get_str("printer.kind").strip().lower()
    if kind in ("", "none"):
        return None
    where = f"{config.path or 'settings'}: printer.connection"
    if not config["printer.connection"]:
        raise ConfigError(_("{where} is empty but printer.kind is '{kind}'. Set it to one of {FORMS}.").format(
                where=where, kind=kind, FORMS=FORMS))
    return parse(kind, config.get_str("printer.connection"), source=where)

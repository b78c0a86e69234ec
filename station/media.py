"""What a device tells the evidence: the media's facts and every command sent to it.

Discovery (devices/drive/discover.py) and the phone driver fill these; the erase engines
put them in a WipeResult and the certificate prints them (certs/result.py re-exports both).
Plain data in the core, so the certificate code can read them without importing the devices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass
class CommandRecord:
    """One external command run against the device, for the evidence."""

    argv: list[str]
    exit_code: int | None
    output: str
    started_at: str
    seconds: float


# How the station reaches the media: the host side of a drive (a USB bridge is "usb"), or a phone's link.
Bus = Literal["ata", "sas", "scsi", "nvme", "usb", "mmc", "virtual", "loop", "adb", "usbmuxd"]

@dataclass
class MediaFacts:
    """What the certificate says about the media. Filled from discovery."""

    path: str
    kind: Literal["drive", "mobile device"] = "drive"
    bus: Bus | Literal[""] = ""
    vendor: str = ""
    model: str = ""
    serial: str = ""
    firmware: str = ""
    size_bytes: int = 0
    logical_sector: int = 512
    physical_sector: int = 512
    rotational: bool | None = None
    hpa_dco: dict[str, Any] = field(default_factory=dict)
    smart: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

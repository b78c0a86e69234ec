"""What a device tells the evidence: the media's facts and every command sent to it.

Discovery (devices/drive/discover.py) and the phone driver fill these; the erase engines
put them in a WipeResult and the certificate prints them (erase/result.py re-exports both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CommandRecord:
    """One external command run against the device, for the evidence."""

    argv: list[str]
    exit_code: int | None
    output: str
    started_at: str
    seconds: float


@dataclass
class MediaFacts:
    """What the certificate says about the media. Filled from discovery."""

    path: str
    kind: str = "drive"  # drive | mobile device
    bus: str = ""  # ata | sas | scsi | nvme | usb | mmc | virtual | loop | adb
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

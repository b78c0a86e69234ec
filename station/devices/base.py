"""The three roles every device kind plays, and the transport that logs every byte.

- A *Driver* per kind/vendor: `enumerate()` what is attached, `open()` one of them.
- A *Session* for one physical unit: a stable id from its serial, `is_usable()`, `close()`.
- An *OperatorPrompt* (station/prompt.py): questions to the technician.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

log = logging.getLogger("station.devices.io")


DeviceKind = Literal["scanner", "printer", "camera", "drive", "phone"]


@dataclass(frozen=True)
class DeviceInfo:
    """What a driver found, before anything is opened."""

    kind: DeviceKind
    id: str  # stable: from the serial number or by-id path, never /dev/ttyACM0
    label: str  # shown to the technician
    path: str = ""
    simulated: bool = False
    details: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@runtime_checkable
class Session(Protocol):
    info: DeviceInfo

    def is_usable(self) -> bool: ...

    def close(self) -> None: ...


@runtime_checkable
class Driver(Protocol):
    kind: str

    def enumerate(self) -> list[DeviceInfo]: ...

    def open(self, info: DeviceInfo) -> Session: ...


class Transport:
    """Byte transport base: public write()/read() log every byte, subclasses do _write/_read."""

    name = "transport"

    def write(self, data: bytes) -> int:
        log.debug("%s >> %r", self.name, data)
        return self._write(data)

    def read(self, size: int = 4096) -> bytes:
        data = self._read(size)
        log.debug("%s << %r", self.name, data)
        return data

    def _write(self, data: bytes) -> int:
        raise NotImplementedError

    def _read(self, size: int) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass

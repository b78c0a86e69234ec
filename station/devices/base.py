"""The three roles every device kind plays, and the transport that logs every byte.

- A *Driver* per kind/vendor: `enumerate()` what is attached, `open()` one of them.
- A *Session* for one physical unit: a stable id from its serial, `is_usable()`, `close()`.
- An *OperatorPrompt*: questions to the technician. The Qt UI, the CLI and tests implement it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

log = logging.getLogger("station.devices.io")


@dataclass(frozen=True)
class DeviceInfo:
    """What a driver found, before anything is opened."""

    kind: str  # scanner | printer | camera | drive | phone
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


class OperatorPrompt(Protocol):
    """Questions to the technician. Implementations block until answered."""

    def tell(self, message: str) -> None: ...

    def confirm(self, question: str) -> bool: ...

    def choose(self, question: str, options: list[str]) -> int | None: ...

    def ask_text(self, question: str, *, secret: bool = False) -> str | None: ...


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


class CliPrompt:
    """OperatorPrompt on a terminal, for the `station` subcommands."""

    def __init__(self, assume_yes: bool = False) -> None:
        self.assume_yes = assume_yes

    def tell(self, message: str) -> None:
        print(message)

    def confirm(self, question: str) -> bool:
        if self.assume_yes:
            return True
        try:
            return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
        except EOFError:
            return False

    def choose(self, question: str, options: list[str]) -> int | None:
        print(question)
        for i, opt in enumerate(options, 1):
            print(f"  {i}. {opt}")
        try:
            answer = input("> ").strip()
        except EOFError:
            return None
        return int(answer) - 1 if answer.isdigit() and 0 < int(answer) <= len(options) else None

    def ask_text(self, question: str, *, secret: bool = False) -> str | None:
        try:
            if secret:
                import getpass

                return getpass.getpass(f"{question} ")
            return input(f"{question} ")
        except EOFError:
            return None

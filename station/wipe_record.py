"""What the event log says about a wipe: one shape for every job kind.

A wipe job of any kind (an overwrite in a worker process, a firmware Purge, a phone's
factory reset, an iPhone erase) leaves two events on its unit: `wipe.started` with a
`WipeStarted` payload, and `wipe.finished` (or `wipe.interrupted`) with a `WipeEnded`
payload. station/erase/ledger.py writes them; the hub's shift export reads them back
through the same classes and key names (`key()`), so a renamed field breaks at import,
not in a report weeks later.

This module is plain data (no database, no erase engine), so the hub can read the
payloads without importing the station's erase code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, Literal

STARTED = "wipe.started"
FINISHED = "wipe.finished"
INTERRUPTED = "wipe.interrupted"
ENDED = (FINISHED, INTERRUPTED)


class Status(StrEnum):
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    ABORTED = "ABORTED"  # the operator stopped it
    INTERRUPTED = "INTERRUPTED"  # the app or the machine died under it


class JobKind(StrEnum):
    OVERWRITE = "overwrite"  # the station writes every block (worker process)
    FIRMWARE = "firmware"  # the drive erases itself on command (Purge)
    PHONE_RESET = "phone-reset"  # an Android factory reset over adb
    IPHONE_ERASE = "iphone-erase"  # an iPhone erase over usbmuxd


# Status value -> units.wipe_status for a wipe that did not sanitize.
UNIT_STATUS = {Status.INTERRUPTED.value: "interrupted", Status.ABORTED.value: "aborted"}


def unit_status(status: str, sanitized: bool) -> str:
    """The unit's wipe_status after a job: sanitized, or how it fell short. An operator's stop
    is not a failure: the drive is fine and is wiped again, not sent to destruction."""
    return "sanitized" if sanitized else UNIT_STATUS.get(str(status), "failed")


def key(cls: type[WipeStarted] | type[WipeEnded], name: str) -> str:
    """A payload key by name, checked against the payload class (for SQL that reads payloads)."""
    if name not in {f.name for f in fields(cls)}:
        raise KeyError(f"{cls.__name__} has no field {name!r}")
    return name


def _read(cls: Any, d: dict[str, Any]) -> dict[str, Any]:
    """The payload's known keys; a key an older station did not write keeps its default."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}


# An overwrite's read-back, a firmware Purge's markers, or a phone's reset (the ledger reads the kind from it).
# What the certificate calls the erase (IEEE 2883 / NIST SP 800-88 Rev. 2 wording).
# "verify only" is the verify-only pass, which erases nothing.
Technique = Literal["overwrite", "block erase", "crypto erase", "security erase", "format nvm",
                    "factory reset (unencrypted)", "verify only"]
StartedVerify = Literal["full", "sample", "none", "firmware", "post-reset", "iphone-erase"]


@dataclass(frozen=True)
class WipeStarted:
    job_id: str
    kind: JobKind
    device: str  # /dev/sdb, adb:SERIAL, ...
    serial: str  # the identity the job was started for
    method: str  # clear, zero, random, dod3, purge, factory-reset, ...
    verify: StartedVerify
    model: str = ""
    size_bytes: int = 0
    bus: str = ""
    plan: str = ""  # a firmware job: the planned firmware method (e.g. ata-sanitize-crypto)
    profiles: list[str] = field(default_factory=list)  # a firmware job: the profiles the plan used

    def payload(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = self.kind.value
        return d

    @classmethod
    def from_payload(cls, d: dict[str, Any]) -> WipeStarted:
        got: dict[str, Any] = {"job_id": "", "kind": JobKind.OVERWRITE.value, "device": "", "serial": "",
                               "method": "", "verify": ""} | _read(cls, d)
        got["kind"] = JobKind(got["kind"]) if got["kind"] in set(JobKind) else JobKind.OVERWRITE
        return cls(**got)


@dataclass(frozen=True)
class WipeEnded:
    job_id: str
    kind: JobKind
    status: Status
    sanitized: bool
    method: str
    method_type: str  # Clear | Purge | none
    technique: Technique
    serial: str
    reason: str = ""
    verify: str = "none"  # the verification's mode: full | sample | none | firmware-markers | adb-setup-wizard ...
    verified: bool | None = None  # None: nothing was verified
    bytes_written: int = 0
    bytes_verified: int = 0
    bad_ranges: int = 0
    commands: int = 0  # commands sent to the device (firmware, adb), each in the evidence
    erase_means: str = ""  # a phone: how the reset was done (recovery-command, reset-broadcast, ...)

    @property
    def event_kind(self) -> str:
        return INTERRUPTED if self.status is Status.INTERRUPTED else FINISHED

    @property
    def unit_status(self) -> str:
        return unit_status(self.status.value, self.sanitized)

    def payload(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"], d["status"] = self.kind.value, self.status.value
        return d

    @classmethod
    def from_payload(cls, d: dict[str, Any]) -> WipeEnded:
        got: dict[str, Any] = {"job_id": "", "kind": JobKind.OVERWRITE.value, "status": Status.FAILED.value,
                               "sanitized": False, "method": "", "method_type": "none", "technique": "",
                               "serial": ""} | _read(cls, d)
        got["kind"] = JobKind(got["kind"]) if got["kind"] in set(JobKind) else JobKind.OVERWRITE
        got["status"] = Status(got["status"]) if got["status"] in set(Status) else Status.FAILED
        got["sanitized"] = got["sanitized"] is True
        return cls(**got)

"""The outcome of one sanitization job: the contract between the erase engines
(overwrite, firmware, phone) and the certificate.

A result is `sanitized` only when the job FINISHED, its verification passed, no range
failed, and no hidden area (HPA/DCO) is known to be left unerased. Nothing else may ever
be certified as sanitized; `shortfall()` says in words what is missing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from station.media import CommandRecord, MediaFacts
from station.wipe_record import UNIT_STATUS, Status, Technique, unit_status

__all__ = ["UNIT_STATUS", "CommandRecord", "MediaFacts", "Status", "Verification", "WipeResult"]


# full/sample: read back an overwrite; firmware-markers(+sample): markers seeded before a firmware Purge;
# adb-setup-wizard, visual-photo, ios-setup-assistant: what a phone shows after its reset.
VerifyMode = Literal["full", "sample", "none", "firmware-markers", "firmware-markers+sample", "adb-setup-wizard",
                     "visual-photo", "ios-setup-assistant"]


@dataclass
class Verification:
    mode: VerifyMode
    passed: bool
    bytes_read: int = 0
    ranges_read: int = 0
    percent_of_media: float = 0.0
    expected: str = ""  # "zero", "0xff", "aes-ctr stream", "vendor pattern ..."
    mismatches: list[tuple[int, int]] = field(default_factory=list)  # (offset, length)
    detail: dict[str, Any] = field(default_factory=dict)  # subsections, seed, sample size...


def hidden_area_left(hpa_dco: dict[str, Any]) -> str | None:
    """Why a hidden area may still hold data, or None when none is known to be left.
    The certificate's hidden-area statement is built from this, so the two never disagree."""
    if hpa_dco.get("hidden_area_erased") is True:
        return None
    if hpa_dco.get("hidden_area_erased") is False:
        return "a hidden area (HPA/DCO) is present and was NOT erased"
    hidden = hpa_dco.get("hpa_hidden_sectors") or 0
    if (hpa_dco.get("hpa_enabled") or hidden > 0) and not hpa_dco.get("hpa_reset"):
        return (f"a Host Protected Area ({hidden or 'unknown number of'} sectors) is present and was NOT erased "
                "(it was not removed before the erase)")
    if hpa_dco.get("dco_restricted"):
        return "a DCO restricts the drive below its real capacity, and the area beyond it was NOT erased"
    return None


@dataclass
class WipeResult:
    job_id: str
    media: MediaFacts
    method: str  # the CLI method name: clear, zero, random, dod3, purge, factory-reset, ...
    method_type: str  # Clear | Purge | none (verify-only)
    technique: Technique
    status: Status
    reason: str = ""
    passes: list[str] = field(default_factory=list)  # e.g. ["random", "zero"]
    bytes_written: int = 0
    verification: Verification | None = None
    bad_ranges: list[tuple[int, int]] = field(default_factory=list)
    retried_ranges: list[tuple[int, int]] = field(default_factory=list)
    commands: list[CommandRecord] = field(default_factory=list)
    throughput: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, bytes done)
    started_at: str = ""
    ended_at: str = ""
    key_sha256: str | None = None  # hash of the per-job AES key, never the key
    tool: str = "triage-station"
    notes: list[str] = field(default_factory=list)

    @property
    def sanitized(self) -> bool:
        return self.shortfall() is None

    def shortfall(self) -> str | None:
        """Why this result is not sanitized, in the certificate's words; None when it is."""
        if self.status is not Status.FINISHED:
            return f"the job ended {self.status.value}"
        if self.method_type not in ("Clear", "Purge"):
            return "nothing was erased (verification only)"
        if self.verification is None or self.verification.mode == "none":
            return "the result was not verified"
        if not self.verification.passed:
            return "verification failed"
        if self.bad_ranges:
            return f"{len(self.bad_ranges)} range(s) could not be written"
        return hidden_area_left(self.media.hpa_dco)

    @property
    def unit_status(self) -> str:
        """The unit's wipe_status: sanitized, or how the wipe fell short (station.wipe_record)."""
        return unit_status(self.status.value, self.sanitized)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status.value
        d["sanitized"] = self.sanitized
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WipeResult:
        """The inverse of to_dict (a worker's result file)."""
        d = {k: v for k, v in d.items() if k != "sanitized"}
        v = d.get("verification")
        if v:
            d["verification"] = Verification(**{**v, "mismatches": [tuple(m) for m in v.get("mismatches", [])]})
        for key in ("bad_ranges", "retried_ranges", "throughput"):
            d[key] = [tuple(x) for x in d.get(key, [])]
        return cls(**{**d, "media": MediaFacts(**d["media"]), "status": Status(d["status"]),
                      "commands": [CommandRecord(**c) for c in d.get("commands", [])]})

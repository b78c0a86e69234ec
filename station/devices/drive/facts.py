"""What the station knows about one drive's erase capabilities, from any source.

Every field is optional: `None` means "this source did not say", which is different
from False ("the source said no"). Facts from several sources (smartctl JSON, hdparm -I,
nvme id-ctrl, discovery) are combined with `merge()`; the first source that states a
field wins, so callers list the most authoritative source first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from station.media import Bus

BUSES = ("ata", "nvme", "scsi", "usb")


@dataclass
class DriveFacts:
    source: str = ""  # which parser(s) produced these facts, e.g. "smartctl-json+hdparm"
    path: str | None = None
    bus: Bus | None = None  # the host side: a USB bridge is "usb"
    transport: str | None = None  # as stated: "SATA 3.1", "SAS (SPL-3)", "NVMe 1.4", "sat"
    vendor: str | None = None
    model: str | None = None
    model_family: str | None = None
    serial: str | None = None
    firmware: str | None = None
    size_bytes: int | None = None
    logical_sector: int | None = None
    physical_sector: int | None = None
    rotational: bool | None = None
    rpm: int | None = None
    form_factor: str | None = None
    # USB bridge: does it pass ATA/SCSI commands through (SAT)? None: unknown.
    usb_id: str | None = None  # "0x152d:0x0578" (vendor:product of the bridge), from discovery
    usb_bridge: str | None = None
    passthrough: bool | None = None
    # A RAID controller's virtual disk: firmware commands reach the controller, not the drives.
    raid_volume: bool | None = None
    # ATA Security feature set
    security_supported: bool | None = None
    security_enabled: bool | None = None
    security_locked: bool | None = None
    security_frozen: bool | None = None
    security_count_expired: bool | None = None
    enhanced_erase_supported: bool | None = None
    erase_minutes: int | None = None
    enhanced_erase_minutes: int | None = None
    # SANITIZE (ATA Sanitize feature set, NVMe SANICAP, SCSI SANITIZE)
    sanitize_supported: bool | None = None
    sanitize_crypto: bool | None = None
    sanitize_block: bool | None = None
    sanitize_overwrite: bool | None = None
    sanitize_antifreeze: bool | None = None
    sanitize_in_progress: bool | None = None
    sanitize_progress_percent: float | None = None
    sanitize_last_status: str | None = None
    # NVMe
    nvme_oacs: int | None = None
    nvme_sanicap: int | None = None
    nvme_fna: int | None = None
    format_supported: bool | None = None
    format_crypto_supported: bool | None = None  # FNA bit 2: crypto erase as part of Format
    format_all_namespaces: bool | None = None  # FNA bit 0: Format applies to all namespaces
    nvme_namespaces: int | None = None
    # Hidden areas (ATA): HPA and DCO
    hpa_supported: bool | None = None
    hpa_enabled: bool | None = None
    native_max_sectors: int | None = None
    current_max_sectors: int | None = None
    dco_supported: bool | None = None
    trim_supported: bool | None = None
    # SMART summary
    smart_passed: bool | None = None
    power_on_hours: int | None = None
    reallocated_sectors: int | None = None
    pending_sectors: int | None = None
    temperature_c: int | None = None
    percentage_used: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_flash(self) -> bool | None:
        """True for SSD/NVMe/flash, False for spinning media, None when no source said."""
        if self.bus == "nvme":
            return True
        return None if self.rotational is None else not self.rotational

    @property
    def hpa_hidden_sectors(self) -> int | None:
        if self.native_max_sectors is None or self.current_max_sectors is None:
            return None
        return max(0, self.native_max_sectors - self.current_max_sectors)

    def merge(self, other: DriveFacts) -> DriveFacts:
        """A new DriveFacts: this one's stated fields, completed by `other`'s."""
        out = DriveFacts()
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "notes":
                out.notes = list(dict.fromkeys([*mine, *theirs]))
            elif f.name == "source":
                out.source = "+".join(s for s in (mine, theirs) if s)
            else:
                setattr(out, f.name, mine if mine is not None else theirs)
        return out

    def stated(self) -> dict[str, Any]:
        """Only the fields some source stated (for printing and for certificates)."""
        return {k: v for k, v in asdict(self).items() if v is not None and v != [] and v != ""}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriveFacts:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def smart_summary(self) -> dict[str, Any]:
        keys = ("smart_passed", "power_on_hours", "reallocated_sectors", "pending_sectors", "temperature_c",
                "percentage_used")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}

    def hpa_dco(self) -> dict[str, Any]:
        """The HPA/DCO part, in the shape MediaFacts.hpa_dco and the certificate use."""
        out: dict[str, Any] = {}
        for k in ("hpa_supported", "hpa_enabled", "native_max_sectors", "current_max_sectors", "dco_supported"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        hidden = self.hpa_hidden_sectors
        if hidden is not None:
            out["hpa_hidden_sectors"] = hidden
        return out

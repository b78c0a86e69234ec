"""`smartctl --json` output (json_format_version 1.x), full or partial (-i, -H, -A only)."""

from __future__ import annotations

from typing import Any

from station.devices.drive.facts import DriveFacts
from station.devices.drive.parsers.common import strip_or_none

_USB_TYPES = ("usb", "jmb39x", "jms56x")  # smartctl -d types that talk through a USB bridge


def looks_like(doc: Any) -> bool:
    return isinstance(doc, dict) and ("smartctl" in doc or "json_format_version" in doc)


def _get(doc: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def parse(doc: dict[str, Any]) -> DriveFacts:
    f = DriveFacts(source="smartctl-json")
    dev_type = str(_get(doc, "device", "type") or "").lower()
    protocol = str(_get(doc, "device", "protocol") or "").upper()
    f.path = strip_or_none(_get(doc, "device", "name"))
    f.model = strip_or_none(doc.get("model_name") or doc.get("scsi_model_name") or doc.get("product"))
    f.vendor = strip_or_none(doc.get("scsi_vendor") or doc.get("vendor"))
    f.model_family = strip_or_none(doc.get("model_family"))
    f.serial = strip_or_none(doc.get("serial_number"))
    f.firmware = strip_or_none(doc.get("firmware_version") or doc.get("scsi_revision") or doc.get("revision"))
    f.size_bytes = _int(_get(doc, "user_capacity", "bytes")) or _int(doc.get("nvme_total_capacity"))
    f.logical_sector = _int(doc.get("logical_block_size"))
    f.physical_sector = _int(doc.get("physical_block_size")) or f.logical_sector
    rate = doc.get("rotation_rate")
    if isinstance(rate, int) and not isinstance(rate, bool):
        f.rotational, f.rpm = (rate > 0), (rate if rate > 1 else None)
    f.form_factor = strip_or_none(_get(doc, "form_factor", "name"))
    f.trim_supported = _bool(_get(doc, "trim", "supported"))
    if protocol == "NVME" or dev_type == "nvme":
        f.bus, f.transport = "nvme", f"NVMe {_get(doc, 'nvme_version', 'string') or ''}".strip()
        f.nvme_namespaces = _int(doc.get("nvme_number_of_namespaces"))
    elif protocol == "SCSI" or dev_type == "scsi":
        f.bus = "scsi"
        f.transport = strip_or_none(_get(doc, "scsi_transport_protocol", "name"))
    elif protocol == "ATA" or dev_type in ("ata", "sat"):
        f.bus = "ata"
        f.transport = strip_or_none(_get(doc, "sata_version", "string") or _get(doc, "ata_version", "string"))
    if dev_type.startswith(_USB_TYPES) or "usb" in (f.model_family or "").lower():
        # smartctl reached the drive's own identity through the bridge: it passes ATA commands.
        f.bus, f.usb_bridge, f.passthrough = "usb", f"-d {dev_type}" if dev_type else "USB", protocol == "ATA"
    _security(f, doc.get("ata_security"))
    _smart(f, doc)
    exit_status = _int(_get(doc, "smartctl", "exit_status"))
    if exit_status is not None and exit_status & 0b111:
        f.notes.append(f"smartctl exit status {exit_status}: the command itself failed (bits 0-2)")
    return f


def _security(f: DriveFacts, sec: Any) -> None:
    if not isinstance(sec, dict):
        return
    text = str(sec.get("string") or "").lower()
    if text.startswith("unavailable") or sec.get("supported") is False:
        f.security_supported = False
        return
    f.security_supported = True
    f.security_enabled = _bool(sec.get("enabled"))
    f.security_frozen = _bool(sec.get("frozen"))
    f.security_locked = _bool(sec.get("locked"))
    if f.security_locked is None and text:
        f.security_locked = "locked" in text and "unlocked" not in text
    if f.security_enabled is None and text:
        f.security_enabled = text.startswith("enabled")
    if f.security_frozen is None and text:
        f.security_frozen = "frozen" in text and "not frozen" not in text
    f.enhanced_erase_supported = _bool(sec.get("enhanced_erase_supported"))
    f.erase_minutes = _int(sec.get("security_erase_time_minutes"))
    f.enhanced_erase_minutes = _int(sec.get("enhanced_security_erase_time_minutes"))


def _smart(f: DriveFacts, doc: dict[str, Any]) -> None:
    f.smart_passed = _bool(_get(doc, "smart_status", "passed"))
    f.power_on_hours = _int(_get(doc, "power_on_time", "hours"))
    f.temperature_c = _int(_get(doc, "temperature", "current"))
    nvme_log = doc.get("nvme_smart_health_information_log")
    if isinstance(nvme_log, dict):
        f.percentage_used = _int(nvme_log.get("percentage_used"))
    table = _get(doc, "ata_smart_attributes", "table")
    for attr in table if isinstance(table, list) else []:
        if not isinstance(attr, dict):
            continue
        raw = _int(_get(attr, "raw", "value"))
        if attr.get("id") == 5:
            f.reallocated_sectors = raw
        elif attr.get("id") == 197:
            f.pending_sectors = raw
    defects = doc.get("scsi_grown_defect_list")
    if f.reallocated_sectors is None and isinstance(defects, int):
        f.reallocated_sectors = defects

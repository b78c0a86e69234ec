"""`smartctl -i/-a/-x` text output (ATA, NVMe, SCSI/SAS, USB-SAT), any version since 5.x."""

from __future__ import annotations

import re

from station.devices.drive.facts import DriveFacts
from station.devices.drive.parsers.common import clean, first_int, grouped_int, key_values, rotation, strip_or_none

_ATTR = re.compile(r"^\s*(\d{1,3})\s+([A-Za-z0-9_\-]+)\s+(\S+)\s+(\d{1,3})\s+(\d{1,3})\s+(\S+)\s+(.*)$")
_SECTORS = re.compile(r"(\d+)\s*bytes\s*logical(?:[,/]\s*(?:(\d+)\s*bytes\s*)?physical)?", re.I)


def looks_like(text: str) -> bool:
    head = text[:4000]
    return "smartctl" in head.lower() or "=== START OF" in head


def parse(text: str) -> DriveFacts:
    text = clean(text)
    kv = key_values(text)
    f = DriveFacts(source="smartctl-text")
    _identity(f, kv)
    _bus(f, kv, text)
    _security(f, kv.get("ATA Security is"))
    _smart(f, kv, text)
    return f


def _identity(f: DriveFacts, kv: dict[str, str]) -> None:
    f.model = strip_or_none(kv.get("Device Model") or kv.get("Model Number") or kv.get("Product"))
    f.vendor = strip_or_none(kv.get("Vendor"))
    f.model_family = strip_or_none(kv.get("Model Family"))
    f.serial = strip_or_none(kv.get("Serial Number") or kv.get("Serial number"))
    f.firmware = strip_or_none(kv.get("Firmware Version") or kv.get("Revision"))
    size = kv.get("User Capacity") or kv.get("Total NVM Capacity") or kv.get("Namespace 1 Size/Capacity")
    f.size_bytes = grouped_int(size) or None
    sectors = kv.get("Sector Sizes") or kv.get("Sector Size")
    m = _SECTORS.search(sectors or "")
    if m:
        f.logical_sector = int(m.group(1))
        f.physical_sector = int(m.group(2)) if m.group(2) else int(m.group(1))
    f.logical_sector = f.logical_sector or first_int(kv.get("Logical block size")) \
        or first_int(kv.get("Namespace 1 Formatted LBA Size"))
    f.physical_sector = f.physical_sector or first_int(kv.get("Physical block size"))
    f.rotational, f.rpm = rotation(kv.get("Rotation Rate"))
    f.form_factor = strip_or_none(kv.get("Form Factor"))
    trim = kv.get("TRIM Command")
    if trim:
        f.trim_supported = trim.lower().startswith("available")


def _bus(f: DriveFacts, kv: dict[str, str], text: str) -> None:
    bridge = re.search(r"Unknown USB bridge \[(0x[0-9a-fA-F]{4}):(0x[0-9a-fA-F]{4})", text)
    if bridge:  # smartctl could not talk through the bridge: no ATA/SCSI passthrough known
        f.bus, f.usb_bridge, f.passthrough = "usb", f"USB bridge {bridge.group(1)}:{bridge.group(2)}", False
        return
    if "NVMe Version" in kv or "(NVMe Log" in text or "Number of Namespaces" in kv:
        f.bus, f.transport = "nvme", f"NVMe {kv.get('NVMe Version', '')}".strip()
        f.nvme_namespaces = first_int(kv.get("Number of Namespaces"))
        oacs = re.search(r"Optional Admin Commands \((0x[0-9a-fA-F]+)\)", text)
        if oacs:
            f.nvme_oacs = int(oacs.group(1), 16)
            f.format_supported = bool(f.nvme_oacs & 0x2)
            # Sanitize support is in SANICAP, which smartctl text does not print: left unknown.
        return
    if "Transport protocol" in kv or ("Vendor" in kv and "Product" in kv and "Device Model" not in kv):
        f.bus, f.transport = "scsi", strip_or_none(kv.get("Transport protocol"))
        return
    if any(k in kv for k in ("ATA Version is", "SATA Version is", "Device Model", "ATA Security is")):
        f.bus, f.transport = "ata", strip_or_none(kv.get("SATA Version is") or kv.get("ATA Version is"))
        family = (f.model_family or "").lower()
        if "usb" in family:
            # smartctl read ATA IDENTIFY through the bridge, so this bridge passes ATA commands (SAT).
            f.bus, f.usb_bridge, f.passthrough = "usb", "SAT bridge (per smartctl)", True


def _security(f: DriveFacts, value: str | None) -> None:
    """'Disabled, NOT FROZEN [SEC1]', 'Enabled, locked [SEC4]', 'Unavailable', ..."""
    if not value:
        return
    v = value.lower()
    if v.startswith("unavailable") or "not supported" in v:
        f.security_supported = False
        return
    f.security_supported = True
    f.security_enabled = v.startswith("enabled")
    f.security_frozen = "frozen" in v and "not frozen" not in v
    if "unlocked" in v:
        f.security_locked = False
    elif "locked" in v:
        f.security_locked = True
    elif not f.security_enabled:
        f.security_locked = False
    if "expired" in v:
        f.security_count_expired = True


def _smart(f: DriveFacts, kv: dict[str, str], text: str) -> None:
    health = kv.get("SMART overall-health self-assessment test result") or kv.get("SMART Health Status")
    if health:
        f.smart_passed = health.upper().startswith(("PASSED", "OK"))
    if f.bus == "nvme":
        f.power_on_hours = grouped_int(kv.get("Power On Hours"))
        f.temperature_c = first_int(kv.get("Temperature"))
        f.percentage_used = first_int(kv.get("Percentage Used"))
    elif f.bus == "scsi":
        f.temperature_c = first_int(kv.get("Current Drive Temperature"))
        f.reallocated_sectors = first_int(kv.get("Elements in grown defect list"))
        f.power_on_hours = first_int(kv.get("Accumulated power on time, hours"))
    for line in text.splitlines():
        m = _ATTR.match(line)
        if not m:
            continue
        tokens = m.group(7).split()
        # -a layout has TYPE UPDATED WHEN_FAILED before RAW; -x brief has FAIL before RAW.
        raw_tokens = tokens[3:] if tokens and tokens[0] in ("Pre-fail", "Old_age") else tokens[1:]
        raw = first_int(" ".join(raw_tokens))
        attr = int(m.group(1))
        if attr == 5 and f.reallocated_sectors is None:
            f.reallocated_sectors = raw
        elif attr == 9 and f.power_on_hours is None:
            f.power_on_hours = raw
        elif attr == 197 and f.pending_sectors is None:
            f.pending_sectors = raw
        elif attr in (194, 190) and f.temperature_c is None:
            f.temperature_c = raw

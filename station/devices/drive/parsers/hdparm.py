"""`hdparm -I` (identify), `hdparm -N` (HPA), `hdparm --dco-identify` and `--sanitize-status` output."""

from __future__ import annotations

import re

from station.devices.drive.facts import DriveFacts
from station.devices.drive.parsers.common import clean, first_int, grouped_int, key_values, rotation, strip_or_none

_FEATURE = re.compile(r"^\s*(\*?)\s+(\S.*?)\s*$")
_ERASE_TIME = re.compile(r"(\d+)\s*min for (ENHANCED )?SECURITY ERASE UNIT", re.I)
_MAX_SECTORS = re.compile(r"max sectors\s*=\s*(\d+)\s*/\s*(\d+)\s*,\s*(?:accessible max address|HPA) is (\w+)", re.I)


def looks_like(text: str) -> bool:
    head = text[:3000]
    return "ATA device" in head or "ATAPI" in head or ("Commands/features:" in text and "Security:" in text)


def _features(text: str) -> dict[str, bool]:
    """Feature name -> enabled, from the 'Commands/features' block."""
    out: dict[str, bool] = {}
    block = text.split("Commands/features:", 1)
    if len(block) < 2:
        return out
    for line in block[1].splitlines()[1:]:
        if line and not line[0].isspace():
            break  # the next top-level section
        m = _FEATURE.match(line)
        if m and m.group(2) != "Enabled\tSupported:" and not m.group(2).startswith("Enabled"):
            out[m.group(2)] = m.group(1) == "*"
    return out


def _security_block(text: str) -> list[str]:
    parts = re.split(r"^Security:\s*$", text, maxsplit=1, flags=re.M)
    if len(parts) < 2:
        return []
    lines = []
    for line in parts[1].splitlines()[1:]:
        if line and not line[0].isspace():
            break
        lines.append(" ".join(line.split()))
    return lines


def parse(text: str) -> DriveFacts:
    text = clean(text)
    kv = key_values(text)
    f = DriveFacts(source="hdparm", bus="ata")
    dev = re.search(r"^(/dev/\S+):\s*$", text, re.M)
    f.path = dev.group(1) if dev else None
    f.model = strip_or_none(kv.get("Model Number"))
    f.serial = strip_or_none(kv.get("Serial Number"))
    f.firmware = strip_or_none(kv.get("Firmware Revision"))
    f.transport = strip_or_none(kv.get("Transport"))
    f.logical_sector = first_int(kv.get("Logical  Sector size") or kv.get("Logical Sector size"))
    f.physical_sector = first_int(kv.get("Physical Sector size")) or f.logical_sector
    sectors = grouped_int(kv.get("LBA48  user addressable sectors")) or grouped_int(
        kv.get("LBA    user addressable sectors"))
    if sectors:
        f.current_max_sectors = sectors
        f.size_bytes = sectors * (f.logical_sector or 512)
    f.rotational, f.rpm = rotation(kv.get("Nominal Media Rotation Rate"))
    f.form_factor = strip_or_none(kv.get("Form Factor"))
    feats = _features(text)
    if feats:
        f.hpa_supported = "Host Protected Area feature set" in feats
        f.dco_supported = "Device Configuration Overlay feature set" in feats
        f.sanitize_supported = "SANITIZE feature set" in feats
        f.sanitize_crypto = "CRYPTO_SCRAMBLE_EXT command" in feats
        f.sanitize_block = "BLOCK_ERASE_EXT command" in feats
        f.sanitize_overwrite = "OVERWRITE_EXT command" in feats
        f.sanitize_antifreeze = "SANITIZE_ANTIFREEZE_LOCK_EXT command" in feats
        f.trim_supported = any(name.startswith("Data Set Management TRIM supported") for name in feats)
    _security(f, _security_block(text))
    return f


def _security(f: DriveFacts, lines: list[str]) -> None:
    if not lines:
        return
    for line in lines:
        low = line.lower()
        negated = low.startswith("not ")
        word = low[4:] if negated else low
        if word == "supported":
            f.security_supported = not negated
        elif word == "enabled":
            f.security_enabled = not negated
        elif word == "locked":
            f.security_locked = not negated
        elif word == "frozen":
            f.security_frozen = not negated
        elif word.startswith("expired"):
            f.security_count_expired = not negated
        elif word.startswith("supported: enhanced erase"):
            f.enhanced_erase_supported = not negated
        for m in _ERASE_TIME.finditer(line):
            if m.group(2):
                f.enhanced_erase_minutes = int(m.group(1))
            else:
                f.erase_minutes = int(m.group(1))


def parse_hpa(text: str) -> tuple[int, int, bool] | None:
    """`hdparm -N`: (current max, native max, HPA enabled), or None when not stated."""
    m = _MAX_SECTORS.search(clean(text))
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), m.group(3).lower() == "enabled"


def parse_dco_real_max(text: str) -> int | None:
    """`hdparm --dco-identify`: the 'Real max sectors' the DCO allows."""
    m = re.search(r"Real max sectors:\s*(\d+)", clean(text))
    return int(m.group(1)) if m else None


def parse_sanitize_status(text: str) -> dict[str, object]:
    """`hdparm --sanitize-status`: state SD0 idle / SD1 frozen / SD2 in process / SD3 failed / SD4 succeeded."""
    t = clean(text)
    out: dict[str, object] = {}
    state = re.search(r"State:\s*(SD\d)", t)
    if state:
        out["state"] = state.group(1)
    progress = re.search(r"Progress:\s*0x[0-9a-fA-F]+\s*\((\d+)%\)", t)
    if progress:
        out["percent"] = float(progress.group(1))
    low = t.lower()
    out["in_progress"] = out.get("state") == "SD2"
    out["frozen"] = out.get("state") == "SD1"
    if out.get("state") == "SD3" or "completed unsuccessfully" in low:
        out["last"] = "failed"
    elif out.get("state") == "SD4" or "completed without error" in low:
        out["last"] = "succeeded"
    return out

"""nvme-cli output: `id-ctrl` (plain, `-H`, `-o json`) and `sanitize-log` (plain and JSON).

The erase-relevant fields, by NVMe Base Specification bit:
  OACS bit 1: Format NVM supported.
  SANICAP bits 0/1/2: Crypto Erase / Block Erase / Overwrite sanitize supported.
  FNA bit 0: Format applies to all namespaces; bit 2: crypto erase supported as part of Format.
"""

from __future__ import annotations

import re
from typing import Any

from station.devices.drive.facts import DriveFacts
from station.devices.drive.parsers.common import bit, clean, grouped_int, number, strip_or_none

_SSTAT = {0: "never sanitized", 1: "completed successfully", 2: "in progress", 3: "failed",
          4: "completed successfully (no-deallocate)"}


def looks_like_id_ctrl_text(text: str) -> bool:
    return "NVME Identify Controller" in text[:400] or (
        re.search(r"^oacs\s*:", text, re.M) is not None and re.search(r"^mn\s*:", text, re.M) is not None)


def looks_like_sanitize_log_text(text: str) -> bool:
    return "(SPROG)" in text or "(SSTAT)" in text or "Sanitize Progress" in text


def looks_like_id_ctrl_json(doc: Any) -> bool:
    return isinstance(doc, dict) and "oacs" in doc and ("mn" in doc or "vid" in doc)


def _find_key(doc: Any, key: str) -> Any:
    """The first value stored under `key` anywhere in a nested JSON document."""
    if isinstance(doc, dict):
        if key in doc:
            return doc[key]
        for v in doc.values():
            found = _find_key(v, key)
            if found is not None:
                return found
    elif isinstance(doc, list):
        for v in doc:
            found = _find_key(v, key)
            if found is not None:
                return found
    return None


def looks_like_sanitize_log_json(doc: Any) -> bool:
    return _find_key(doc, "sprog") is not None


def _apply_caps(f: DriveFacts, oacs: int | None, sanicap: int | None, fna: int | None) -> None:
    f.nvme_oacs, f.nvme_sanicap, f.nvme_fna = oacs, sanicap, fna
    f.format_supported = bit(oacs, 1)
    f.sanitize_crypto = bit(sanicap, 0)
    f.sanitize_block = bit(sanicap, 1)
    f.sanitize_overwrite = bit(sanicap, 2)
    f.sanitize_supported = None if sanicap is None else bool(sanicap & 0x7)
    f.format_all_namespaces = bit(fna, 0)
    f.format_crypto_supported = bit(fna, 2)


def parse_id_ctrl_text(text: str) -> DriveFacts:
    text = clean(text)
    kv: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z][a-z0-9_]*)\s*:\s?(.*)$", line)  # top-level fields only, not -H bit lines
        if m and m.group(1) not in kv:
            kv[m.group(1)] = m.group(2)
    f = DriveFacts(source="nvme-id-ctrl", bus="nvme", rotational=False, transport="NVMe")
    f.model = strip_or_none(kv.get("mn"))
    f.serial = strip_or_none(kv.get("sn"))
    f.firmware = strip_or_none(kv.get("fr"))
    f.nvme_namespaces = number(kv.get("nn"))
    f.size_bytes = grouped_int(kv.get("tnvmcap")) or None
    _apply_caps(f, number(kv.get("oacs")), number(kv.get("sanicap")), number(kv.get("fna")))
    return f


def parse_id_ctrl_json(doc: dict[str, Any]) -> DriveFacts:
    def num(key: str) -> int | None:
        v = doc.get(key)
        if isinstance(v, bool):
            return None
        if isinstance(v, int):
            return v
        return number(str(v)) if isinstance(v, str) else None

    f = DriveFacts(source="nvme-id-ctrl-json", bus="nvme", rotational=False, transport="NVMe")
    f.model = strip_or_none(str(doc.get("mn") or ""))
    f.serial = strip_or_none(str(doc.get("sn") or ""))
    f.firmware = strip_or_none(str(doc.get("fr") or ""))
    f.nvme_namespaces = num("nn")
    f.size_bytes = num("tnvmcap") or None
    _apply_caps(f, num("oacs"), num("sanicap"), num("fna"))
    return f


def _sanitize_status(f: DriveFacts, sprog: int | None, sstat: int | None) -> None:
    if sstat is not None:
        code = sstat & 0x7
        f.sanitize_last_status = _SSTAT.get(code, f"status {code}")
        f.sanitize_in_progress = code == 2
    if sprog is not None and f.sanitize_in_progress:
        f.sanitize_progress_percent = round(sprog * 100.0 / 65536, 2)


def parse_sanitize_log_text(text: str) -> DriveFacts:
    text = clean(text)
    f = DriveFacts(source="nvme-sanitize-log", bus="nvme", rotational=False)
    sprog = re.search(r"\(SPROG\)\s*:\s*(\d+)", text)
    sstat = re.search(r"\(SSTAT\)\s*:\s*(0x[0-9a-fA-F]+|\d+)", text)
    _sanitize_status(f, int(sprog.group(1)) if sprog else None, number(sstat.group(1)) if sstat else None)
    return f


def parse_sanitize_log_json(doc: Any) -> DriveFacts:
    f = DriveFacts(source="nvme-sanitize-log-json", bus="nvme", rotational=False)
    sprog, sstat = _find_key(doc, "sprog"), _find_key(doc, "sstat")
    if isinstance(sstat, dict):  # newer nvme-cli nests the decoded status
        sstat = sstat.get("status", sstat.get("value"))
    _sanitize_status(f, sprog if isinstance(sprog, int) else None, sstat if isinstance(sstat, int) else None)
    return f

"""Firmware profiles: versioned data about drives, USB bridges and RAID volumes.

One TOML file per profile in firmware_profiles/ (or the folder in `erase.profiles_dir`).
A profile says what the live tools cannot: capabilities a report leaves out, methods a
drive reports but that fail, timeouts, the expected content after the erase, how to
unfreeze it, and whether a USB bridge passes ATA/NVMe commands. Each file is validated
on load; any mistake is a ConfigError naming the file and the line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import station
from station.devices.drive.facts import DriveFacts
from station.errors import ConfigError
from station.i18n import _
from station.toml_lines import locate


def shipped_folder(package: Path = Path(station.__file__).resolve().parent) -> Path:
    """The profiles that ship: inside the package when installed from a wheel, beside it in a checkout."""
    installed = package / "firmware_profiles"
    return installed if installed.is_dir() else package.parent / "firmware_profiles"


SHIPPED = shipped_folder()
SCHEMA = 1
KINDS = ("drive", "usb-bridge", "raid-volume")
PATTERNS = ("zero", "ones", "indeterminate")
FREEZE = ("suspend", "replug")
METHODS = (
    "ata-sanitize-crypto", "ata-sanitize-block", "ata-sanitize-overwrite", "ata-security-erase-enhanced",
    "ata-security-erase", "nvme-sanitize-crypto", "nvme-sanitize-block", "nvme-sanitize-overwrite",
    "nvme-format-crypto", "nvme-format-user-data", "scsi-sanitize-crypto", "scsi-sanitize-block",
    "scsi-sanitize-overwrite", "overwrite",
)
_CAPABILITIES = {
    "sanitize_supported", "sanitize_crypto", "sanitize_block", "sanitize_overwrite", "format_supported",
    "format_crypto_supported", "format_all_namespaces", "security_supported", "enhanced_erase_supported",
    "rotational", "hpa_supported", "dco_supported",
}
_TOP = {"schema", "id", "version", "kind", "description", "match", "capabilities", "quirks", "timeouts", "verify",
        "freeze", "bridge", "test"}
_TABLES: dict[str, set[str]] = {
    "match": {"model", "firmware", "family", "vendor", "usb_id"},
    "quirks": {"reported_but_fail", "notes", "refuse"},
    "verify": {"expected_pattern"},
    "freeze": {"strategy"},
    "bridge": {"name", "passes_ata", "passes_nvme", "smartctl_type"},
    "test": {"model", "firmware", "family", "vendor", "usb_id", "bus", "facts", "expect_purge", "expect_clear"},
}


@dataclass(frozen=True)
class Profile:
    id: str
    version: int
    kind: str
    description: str
    path: Path
    match: dict[str, re.Pattern[str]]
    capabilities: dict[str, bool] = field(default_factory=dict)
    reported_but_fail: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    refuse: str | None = None
    timeouts: dict[str, int] = field(default_factory=dict)
    expected_pattern: str | None = None
    freeze_strategy: tuple[str, ...] = ()
    bridge: dict[str, Any] = field(default_factory=dict)
    test: dict[str, Any] = field(default_factory=dict)

    def matches(self, facts: DriveFacts, usb_id: str | None = None) -> bool:
        values = {"model": facts.model, "firmware": facts.firmware, "family": facts.model_family,
                  "vendor": facts.vendor, "usb_id": usb_id or facts.usb_id}
        return all(values[k] is not None and rx.search(str(values[k])) for k, rx in self.match.items())

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"


class _Checker:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, table: str | None, key: str, why: str) -> ConfigError:
        line = locate(self.text, tuple(k for k in (table, key) if k))
        where = f"[{table}] {key}" if table else key
        return ConfigError(_("{path}:{line}: {where}: {why}. Fix the profile or remove the file.").format(
                path=self.path, line=line, where=where, why=why))

    def regex(self, table: str, key: str, value: Any) -> re.Pattern[str]:
        if not isinstance(value, str) or not value:
            raise self.fail(table, key, "must be a non-empty regular expression string")
        try:
            return re.compile(value, re.IGNORECASE)
        except re.error as exc:
            raise self.fail(table, key, f"is not a valid regular expression ({exc})") from exc

    def choice(self, table: str | None, key: str, value: Any, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(table, key, f"must be one of {', '.join(allowed)}, not {value!r}")
        return str(value)


def load_profile(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("{path}: not valid TOML ({exc}). Fix the profile or remove the file.").format(
                path=path, exc=exc)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_("{path}: cannot be read ({exc}).").format(path=path, exc=exc)) from exc
    c = _Checker(path, text)
    for key in raw:
        if key not in _TOP:
            raise c.fail(None, key, "unknown key")
    for table, allowed in _TABLES.items():
        section = raw.get(table, {})
        if not isinstance(section, dict):
            raise c.fail(None, table, "must be a table")
        for key in section:
            if key not in allowed:
                raise c.fail(table, key, f"unknown key (allowed: {', '.join(sorted(allowed))})")
    if raw.get("schema") != SCHEMA:
        raise c.fail(None, "schema", f"must be {SCHEMA}")
    if not isinstance(raw.get("id"), str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", raw["id"]):
        raise c.fail(None, "id", "must be lowercase letters, digits and dashes")
    if path.stem != raw["id"]:
        raise c.fail(None, "id", f"must equal the file name {path.stem!r}")
    if not isinstance(raw.get("version"), int) or raw["version"] < 1:
        raise c.fail(None, "version", "must be a whole number from 1")
    kind = c.choice(None, "kind", raw.get("kind"), KINDS)
    match = {k: c.regex("match", k, v) for k, v in raw.get("match", {}).items()}
    if not match:
        raise c.fail("match", "", "needs at least one of model, firmware, family, vendor, usb_id")
    caps = raw.get("capabilities", {})
    for k, v in caps.items():
        if k not in _CAPABILITIES or not isinstance(v, bool):
            raise c.fail("capabilities", k, f"must be one of {', '.join(sorted(_CAPABILITIES))} = true/false")
    quirks = raw.get("quirks", {})
    failing = quirks.get("reported_but_fail", [])
    for m in failing if isinstance(failing, list) else [failing]:
        c.choice("quirks", "reported_but_fail", m, METHODS)
    timeouts = raw.get("timeouts", {})
    for k, v in timeouts.items():
        c.choice("timeouts", k, k, METHODS)
        if not isinstance(v, int) or v <= 0:
            raise c.fail("timeouts", k, "must be a positive number of seconds")
    pattern = raw.get("verify", {}).get("expected_pattern")
    if pattern is not None:
        c.choice("verify", "expected_pattern", pattern, PATTERNS)
    strategy = raw.get("freeze", {}).get("strategy", [])
    for s in strategy if isinstance(strategy, list) else [strategy]:
        c.choice("freeze", "strategy", s, FREEZE)
    bridge = raw.get("bridge", {})
    if kind == "usb-bridge" and ("passes_ata" not in bridge or "usb_id" not in match):
        raise c.fail("bridge", "", "a usb-bridge profile needs [match] usb_id and [bridge] passes_ata")
    test = raw.get("test", {})
    if not test:
        raise c.fail("test", "", "every profile needs a [test] example (see docs/sanitization.md)")
    for k in ("expect_purge", "expect_clear"):
        if k in test and test[k] != "refuse":
            c.choice("test", k, test[k], METHODS)
    return Profile(
        id=raw["id"], version=raw["version"], kind=kind, description=str(raw.get("description", "")), path=path,
        match=match, capabilities=dict(caps), reported_but_fail=tuple(failing), notes=tuple(quirks.get("notes", [])),
        refuse=quirks.get("refuse"), timeouts=dict(timeouts), expected_pattern=pattern,
        freeze_strategy=tuple(strategy), bridge=dict(bridge), test=dict(test),
    )


def load_all(folder: Path | None = None) -> list[Profile]:
    folder = folder or SHIPPED
    if not folder.is_dir():
        raise ConfigError(_("{folder}: the firmware profile folder is missing. Reinstall, or set "
                            "erase.profiles_dir.").format(folder=folder))
    profiles = [load_profile(p) for p in sorted(folder.glob("*.toml"))]
    seen: dict[str, Path] = {}
    for p in profiles:
        if p.id in seen:
            raise ConfigError(_("{path}:1: id {id!r} is also used by {seen}. Ids must be unique.").format(
                    path=p.path, id=p.id, seen=seen[p.id]))
        seen[p.id] = p.path
    return profiles


def find(profiles: list[Profile], facts: DriveFacts, usb_id: str | None = None) -> list[Profile]:
    """Every profile that matches, raid volumes and bridges first, then drives."""
    order = {"raid-volume": 0, "usb-bridge": 1, "drive": 2}
    return sorted((p for p in profiles if p.matches(facts, usb_id)), key=lambda p: order[p.kind])


def apply(facts: DriveFacts, matched: list[Profile]) -> DriveFacts:
    """Facts completed by the profiles' capabilities (only where no live source stated them)."""
    out = facts.merge(DriveFacts())
    for p in matched:
        for key, value in p.capabilities.items():
            if getattr(out, key) is None:
                setattr(out, key, value)
        if p.kind == "raid-volume":
            out.raid_volume = True
        if p.kind == "usb-bridge":
            out.bus = "usb"
            out.usb_bridge = p.bridge.get("name") or p.id
            out.passthrough = bool(p.bridge.get("passes_ata")) or bool(p.bridge.get("passes_nvme"))
    return out

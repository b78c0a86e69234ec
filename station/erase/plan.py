"""The erase-method planner: drive facts + requested level -> ordered plan, or a reasoned refusal.

Pure: no I/O. Profiles (loaded by the caller) complete the facts and remove methods a
drive reports but that fail. NIST SP 800-88 Rev. 2 sets the categories (Clear, Purge) and leaves
the technique per media type to IEEE 2883-2022, which this order follows:
  - the interface's SANITIZE (crypto > block > overwrite) over Security Erase;
  - NVMe Format with SES=2 (crypto) or SES=1 (user data) when Sanitize is absent;
  - HDDs: overwrite is Clear; ATA Sanitize overwrite / (Enhanced) Security Erase are Purge;
  - ATA SECURITY ERASE on flash is only Clear (IEEE 2883-2022 purges ATA flash with the SANITIZE
    feature set), so it is never a flash Purge;
  - a USB bridge without ATA passthrough allows Clear by overwrite only.
Firmware erases are bracketed by marker seeding and checking; hidden areas (HPA/DCO) are
reset first, or the plan says the hidden area will not be erased.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from station.devices.drive.facts import DriveFacts
from station.erase import profiles as profiles_mod
from station.erase.profiles import Profile
from station.wipe_record import Technique

LEVELS = ("clear", "purge")
NIST = "NIST SP 800-88 Rev. 2"
IEEE = "IEEE 2883-2022"
_MEDIA = {False: "hard disk drives (ATA/SCSI)", True: "flash media (ATA/SCSI/NVMe SSDs)",
          None: "the media type, which the report does not state"}


def cited(is_flash: bool | None) -> str:
    """The standards behind a choice: the category from NIST, the technique from IEEE 2883 per media type."""
    return f"{NIST}; {IEEE} techniques for {_MEDIA[is_flash]}"


@dataclass(frozen=True)
class Method:
    id: str
    technique: Technique  # what the certificate calls it
    pattern: str  # expected content after: zero | ones | indeterminate
    firmware: bool = True


METHODS: dict[str, Method] = {m.id: m for m in (
    Method("ata-sanitize-crypto", "crypto erase", "indeterminate"),
    Method("ata-sanitize-block", "block erase", "indeterminate"),
    Method("ata-sanitize-overwrite", "overwrite", "zero"),
    Method("ata-security-erase-enhanced", "security erase", "indeterminate"),
    Method("ata-security-erase", "security erase", "zero"),
    Method("nvme-sanitize-crypto", "crypto erase", "indeterminate"),
    Method("nvme-sanitize-block", "block erase", "indeterminate"),
    Method("nvme-sanitize-overwrite", "overwrite", "zero"),
    Method("nvme-format-crypto", "crypto erase", "indeterminate"),
    Method("nvme-format-user-data", "format nvm", "indeterminate"),
    Method("scsi-sanitize-crypto", "crypto erase", "indeterminate"),
    Method("scsi-sanitize-block", "block erase", "indeterminate"),
    Method("scsi-sanitize-overwrite", "overwrite", "zero"),
    Method("overwrite", "overwrite", "zero", firmware=False),
)}


StepAction = Literal["unfreeze", "set-password", "hpa-reset", "dco-restore", "seed-markers", "erase", "check-markers",
                     "verify"]

@dataclass
class Step:
    action: StepAction
    summary: str
    reason: str = ""
    method: str | None = None  # for action "erase": a METHODS id
    timeout_s: int | None = None


@dataclass
class Plan:
    level: str
    method: str
    method_type: str  # Clear | Purge
    technique: Technique
    expected_pattern: str
    steps: list[Step]
    rationale: list[str]
    hidden_area: str  # what happens to HPA/DCO, in the certificate's words
    profiles: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    facts: DriveFacts | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("facts")
        d["kind"] = "plan"
        return d


@dataclass
class Refusal:
    level: str
    reason: str
    alternatives: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "refusal", **asdict(self)}


def _sanitize_order(f: DriveFacts, prefix: str) -> list[tuple[str, str]]:
    out = []
    for cap, name in (("sanitize_crypto", "crypto"), ("sanitize_block", "block"), ("sanitize_overwrite", "overwrite")):
        if getattr(f, cap):
            out.append((f"{prefix}-sanitize-{name}", f"{prefix.upper()} SANITIZE {name.upper()} is supported"))
    return out


def _purge_candidates(f: DriveFacts) -> tuple[list[tuple[str, str]], list[str]]:
    """(method id, why) best first, and the reasons other methods were ruled out."""
    ruled: list[str] = []
    if f.bus == "nvme":
        found = _sanitize_order(f, "nvme")
        if f.sanitize_supported is None:
            ruled.append("SANICAP is not in this report (read it with nvme id-ctrl); Sanitize not assumed")
        if f.format_supported:
            if f.format_crypto_supported:
                found.append(("nvme-format-crypto", "Format NVM with SES=2 (cryptographic erase) is supported (FNA)"))
            found.append(("nvme-format-user-data", "Format NVM with SES=1 (user data erase) is supported (OACS)"))
        return found, ruled
    if f.bus == "scsi":
        found = _sanitize_order(f, "scsi")
        if not found:
            ruled.append("SCSI SANITIZE support is not stated (sg_opcodes reports it at the bench)")
        return found, ruled
    if f.bus in ("ata", "usb"):
        found = _sanitize_order(f, "ata")
        if f.sanitize_supported is None:
            ruled.append("the ATA SANITIZE feature set is not in this report (hdparm -I shows it)")
        elif f.sanitize_supported is False:
            ruled.append("the drive does not support the ATA SANITIZE feature set")
        if f.security_supported is False:
            ruled.append("the drive does not support the ATA Security feature set (no Security Erase)")
        elif f.security_supported is None:
            ruled.append("the ATA Security feature set is not in this report (hdparm -I shows it)")
        if f.security_supported:
            if f.is_flash:
                ruled.append("ATA SECURITY ERASE on flash is only Clear; Purge of ATA flash is the SANITIZE "
                             f"feature set ({cited(True)})")
            elif f.is_flash is None:
                ruled.append("media type (HDD or SSD) not stated: Security Erase is Purge only on HDDs")
            elif f.security_count_expired:
                ruled.append("Security Erase blocked: security count expired (power-cycle the drive first)")
            elif f.security_enabled:
                ruled.append("Security Erase blocked: a user password is already set by someone else")
            else:
                if f.enhanced_erase_supported:
                    found.append(("ata-security-erase-enhanced", "Enhanced Security Erase on an HDD is Purge"))
                found.append(("ata-security-erase", "Security Erase Unit on an HDD is Purge"))
        return found, ruled
    if f.bus:
        return [], [f"the {f.bus} interface has no firmware erase commands this station can send"]
    return [], ["the drive's interface is not stated, so no firmware command can be chosen"]


def _hidden_area_steps(f: DriveFacts) -> tuple[list[Step], str]:
    if f.bus not in ("ata", "usb") or (f.bus == "usb" and not f.passthrough):
        if f.bus == "usb":
            return [], "Hidden areas (HPA/DCO) cannot be read through this USB bridge; they were NOT erased."
        return [], "No ATA hidden areas on this interface."
    steps: list[Step] = []
    if f.hpa_enabled or (f.hpa_hidden_sectors or 0) > 0:
        steps.append(Step("hpa-reset", f"Remove the HPA ({f.hpa_hidden_sectors or 'some'} hidden sectors)",
                          "hidden sectors hold user data an erase of the visible area would miss"))
    elif f.hpa_supported is not False:
        steps.append(Step("hpa-reset", "Read the native max (hdparm -N) and remove any HPA",
                          "an HPA hides sectors from an overwrite; it is checked and reset, and recorded"))
    if f.dco_supported:
        steps.append(Step("dco-restore", "Check the DCO (hdparm --dco-identify) and restore factory size if reduced",
                          "a DCO can shrink the drive below its real capacity"))
    return steps, "HPA/DCO are checked and reset before the erase; the certificate records the result."


def plan_for(facts: DriveFacts, level: str, profiles: list[Profile] | None = None) -> Plan | Refusal:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    matched = profiles_mod.find(profiles or [], facts)
    labels = [p.label for p in matched]
    f = profiles_mod.apply(facts, matched)
    for p in matched:
        if p.refuse:
            return Refusal(level, f"{p.refuse} (profile {p.label})", ["erase the member drives one by one"], labels)
    if f.raid_volume:
        return Refusal(level, "This is a RAID controller volume: firmware commands and overwrites reach the "
                       "controller, not every sector of the member drives", ["erase the member drives in JBOD mode"],
                       labels)
    if f.sanitize_in_progress:
        pct = f" ({f.sanitize_progress_percent}%)" if f.sanitize_progress_percent is not None else ""
        return Refusal(level, f"A sanitize operation is already in progress{pct}; it resumes after every power "
                       "cycle. Wait for it to complete, then plan again", [], labels)
    if f.security_locked:
        return Refusal(level, "The drive is locked by an ATA password; unlock it with the recorded password "
                       "(station recovery) or the owner's, then plan again", ["station recovery: unlock"], labels)
    hidden_steps, hidden = _hidden_area_steps(f)
    if level == "clear":
        return _overwrite_plan(f, "clear", labels, hidden_steps, hidden, [
            f"Clear by overwriting every user-addressable sector ({cited(f.is_flash)})",
            "overwrite is verified by reading back"])
    if f.bus == "usb" and not f.passthrough:
        bridge = f" ({f.usb_bridge})" if f.usb_bridge else ""
        return Refusal(level, f"USB bridge{bridge} blocks ATA passthrough: Purge impossible; Clear by overwrite",
                       ["clear: overwrite through the bridge", "move the drive to a SATA/NVMe port for Purge"], labels)
    candidates, ruled = _purge_candidates(f)
    failing = {m for p in matched for m in p.reported_but_fail}
    for m, _why in candidates:
        if m in failing:
            ruled.append(f"{m} is reported but fails on this model (profile)")
    candidates = [(m, why) for m, why in candidates if m not in failing]
    if not candidates:
        why = "; ".join(ruled) if ruled else "no Purge-capable command is supported"
        return Refusal(level, f"Purge impossible: {why}", ["clear: overwrite (verified)", "destroy the media"],
                       labels)
    method_id, why = candidates[0]
    return _firmware_plan(f, method_id, why, ruled, matched, labels, hidden_steps, hidden)


def _overwrite_plan(f: DriveFacts, level: str, labels: list[str], hidden_steps: list[Step], hidden: str,
                    rationale: list[str]) -> Plan:
    warnings = []
    if f.is_flash:
        warnings.append("Overwrite cannot reach spare/over-provisioned flash blocks: this is Clear, not Purge.")
    steps = [*hidden_steps, Step("erase", "Overwrite the whole drive", "Clear", method="overwrite"),
             Step("verify", "Read back and compare", "proves the overwrite reached the media")]
    return Plan(level, "overwrite", "Clear", "overwrite", "zero", steps, rationale, hidden, labels, warnings, f)


def _firmware_plan(f: DriveFacts, method_id: str, why: str, ruled: list[str], matched: list[Profile],
                   labels: list[str], hidden_steps: list[Step], hidden: str) -> Plan:
    method = METHODS[method_id]
    pattern = next((p.expected_pattern for p in matched if p.expected_pattern), method.pattern)
    timeout = next((p.timeouts[method_id] for p in matched if method_id in p.timeouts), None)
    rationale = [f"{why} -> Purge ({cited(bool(f.is_flash or f.bus == 'nvme'))})", *(f"not chosen: {r}" for r in ruled),
                 "then verify: random markers written before the erase must all be gone after it"]
    steps: list[Step] = []
    warnings: list[str] = [n for p in matched for n in p.notes]
    if method_id.startswith("ata-security") and f.security_frozen:
        strategy = next((p.freeze_strategy for p in matched if p.freeze_strategy), ("suspend", "replug"))
        steps.append(Step("unfreeze", "Unfreeze the drive: " + " or ".join(
            {"suspend": "suspend/resume the bench (rtcwake)", "replug": "hot-replug the drive's bay"}[s]
            for s in strategy), "the BIOS froze ATA security; erase commands are refused until unfrozen"))
    if method_id.startswith("ata-security"):
        steps.append(Step("set-password", "Set a temporary ATA user password (recorded for recovery)",
                          "Security Erase needs a password; it is stored so a failed erase can be unlocked"))
    if f.bus == "nvme" and method_id.startswith("nvme-format") and (f.nvme_namespaces or 1) > 1 \
            and not f.format_all_namespaces:
        warnings.append("Format applies per namespace on this controller: every namespace must be formatted.")
    steps += hidden_steps
    steps += [
        Step("seed-markers", "Write random markers at sampled LBAs", "evidence that the firmware erase happened"),
        Step("erase", f"{method.id}: {why}", "Purge", method=method_id, timeout_s=timeout),
        Step("check-markers", "Read the sampled LBAs: no marker may survive", "NIST CE-style verification"),
        Step("verify", f"Sampled read-back (expected: {pattern})", "the engine's sampled verification"),
    ]
    return Plan("purge", method_id, "Purge", method.technique, pattern, steps, rationale, hidden, labels, warnings, f)

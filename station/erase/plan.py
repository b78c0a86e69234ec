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
from functools import reduce
from typing import Any, Literal

from station.devices.drive.facts import DriveFacts
from station.erase import plan_words as w
from station.erase import profiles as profiles_mod
from station.erase.profiles import Profile
from station.wipe_record import Technique

LEVELS = ("clear", "purge")
NIST = "NIST SP 800-88 Rev. 2"
IEEE = "IEEE 2883-2022"
def cited(is_flash: bool | None) -> str:
    """The standards behind a choice: the category from NIST, the technique from IEEE 2883 per media type."""
    return w.CITED.format(nist=NIST, ieee=IEEE, media=w.MEDIA[is_flash])


@dataclass(frozen=True)
class Method:
    id: str
    technique: Technique  # what the certificate calls it
    pattern: str  # expected content after: zero | ones | indeterminate
    firmware: bool = True


# data: method ids, and the techniques as the certificate names them
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
            out.append((f"{prefix}-sanitize-{name}", w.SUPPORTED.format(interface=prefix.upper(), kind=name.upper())))
    return out


def _purge_candidates(f: DriveFacts) -> tuple[list[tuple[str, str]], list[str]]:
    """(method id, why) best first, and the reasons other methods were ruled out."""
    ruled: list[str] = []
    if f.bus == "nvme":
        found = _sanitize_order(f, "nvme")
        if f.sanitize_supported is None:
            ruled.append(w.NO_SANICAP)
        if f.format_supported:
            if f.format_crypto_supported:
                found.append(("nvme-format-crypto", w.NVME_FORMAT_CRYPTO))
            found.append(("nvme-format-user-data", w.NVME_FORMAT_USER))
        return found, ruled
    if f.bus == "scsi":
        found = _sanitize_order(f, "scsi")
        if not found:
            ruled.append(w.NO_SCSI_SANITIZE)
        return found, ruled
    if f.bus in ("ata", "usb"):
        found = _sanitize_order(f, "ata")
        if f.sanitize_supported is None:
            ruled.append(w.NO_ATA_SANITIZE_STATED)
        elif f.sanitize_supported is False:
            ruled.append(w.NO_ATA_SANITIZE)
        if f.security_supported is False:
            ruled.append(w.NO_ATA_SECURITY)
        elif f.security_supported is None:
            ruled.append(w.NO_ATA_SECURITY_STATED)
        if f.security_supported:
            if f.is_flash:
                ruled.append(w.FLASH_SECURITY_ERASE.format(standards=cited(True)))
            elif f.is_flash is None:
                ruled.append(w.MEDIA_UNSTATED)
            elif f.security_count_expired:
                ruled.append(w.COUNT_EXPIRED)
            elif f.security_enabled:
                ruled.append(w.PASSWORD_SET)
            else:
                if f.enhanced_erase_supported:
                    found.append(("ata-security-erase-enhanced", w.ENHANCED_HDD))
                found.append(("ata-security-erase", w.SECURITY_HDD))
        return found, ruled
    if f.bus:
        return [], [w.NO_FIRMWARE_ERASE.format(bus=f.bus)]
    return [], [w.NO_INTERFACE]


def _hidden_area_steps(f: DriveFacts) -> tuple[list[Step], str]:
    if f.bus not in ("ata", "usb") or (f.bus == "usb" and not f.passthrough):
        if f.bus == "usb":
            return [], w.USB_HIDDEN
        return [], w.NO_HIDDEN
    steps: list[Step] = []
    if f.hpa_enabled or (f.hpa_hidden_sectors or 0) > 0:
        steps.append(Step("hpa-reset", w.HPA_REMOVE.format(count=f.hpa_hidden_sectors or "some"), w.HPA_WHY))
    elif f.hpa_supported is not False:
        steps.append(Step("hpa-reset", w.HPA_READ, w.HPA_READ_WHY))
    if f.dco_supported:
        steps.append(Step("dco-restore", w.DCO_CHECK, w.DCO_WHY))
    return steps, w.HIDDEN_CHECKED


def plan_for(facts: DriveFacts, level: str, profiles: list[Profile] | None = None) -> Plan | Refusal:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    matched = profiles_mod.find(profiles or [], facts)
    labels = [p.label for p in matched]
    f = profiles_mod.apply(facts, matched)
    for p in matched:
        if p.refuse:
            return Refusal(level, w.PROFILE_REFUSES.format(refusal=p.refuse, profile=p.label), [w.MEMBERS_ONE_BY_ONE],
                           labels)
    if f.raid_volume:
        return Refusal(level, w.RAID_VOLUME, [w.MEMBERS_JBOD], labels)
    if f.sanitize_in_progress:
        said = w.SANITIZING if f.sanitize_progress_percent is None else \
            w.SANITIZING_AT.format(percent=f.sanitize_progress_percent)
        return Refusal(level, said, [], labels)
    if f.security_locked:
        return Refusal(level, w.LOCKED, ["station recovery: unlock"], labels)  # data: a command to type
    hidden_steps, hidden = _hidden_area_steps(f)
    if level == "clear":
        return _overwrite_plan(f, "clear", labels, hidden_steps, hidden, [
            w.CLEAR_RATIONALE.format(standards=cited(f.is_flash)), w.OVERWRITE_VERIFIED])
    if f.bus == "usb" and not f.passthrough:
        said = w.USB_BRIDGE_NAMED.format(bridge=f.usb_bridge) if f.usb_bridge else w.USB_BRIDGE
        return Refusal(level, said, [w.CLEAR_THROUGH_BRIDGE, w.MOVE_FOR_PURGE], labels)
    candidates, ruled = _purge_candidates(f)
    failing = {m for p in matched for m in p.reported_but_fail}
    for m, _why in candidates:
        if m in failing:
            ruled.append(w.FAILS_ON_MODEL.format(method=m))
    candidates = [(m, why) for m, why in candidates if m not in failing]
    if not candidates:
        why = "; ".join(ruled) if ruled else w.NO_PURGE_COMMAND
        return Refusal(level, w.PURGE_IMPOSSIBLE.format(why=why), [w.CLEAR_INSTEAD, w.DESTROY], labels)
    method_id, why = candidates[0]
    return _firmware_plan(f, method_id, why, ruled, matched, labels, hidden_steps, hidden)


def _overwrite_plan(f: DriveFacts, level: str, labels: list[str], hidden_steps: list[Step], hidden: str,
                    rationale: list[str]) -> Plan:
    warnings = []
    if f.is_flash:
        warnings.append(w.FLASH_OVERWRITE)
    steps = [*hidden_steps, Step("erase", w.OVERWRITE_WHOLE, "Clear", method="overwrite"),
             Step("verify", w.READ_BACK, w.READ_BACK_WHY)]
    return Plan(level, "overwrite", "Clear", "overwrite", "zero", steps, rationale, hidden, labels, warnings, f)


def _firmware_plan(f: DriveFacts, method_id: str, why: str, ruled: list[str], matched: list[Profile],
                   labels: list[str], hidden_steps: list[Step], hidden: str) -> Plan:
    method = METHODS[method_id]
    pattern = next((p.expected_pattern for p in matched if p.expected_pattern), method.pattern)
    timeout = next((p.timeouts[method_id] for p in matched if method_id in p.timeouts), None)
    rationale = [w.CHOSEN.format(why=why, standards=cited(bool(f.is_flash or f.bus == "nvme"))),
                 *(w.NOT_CHOSEN.format(reason=r) for r in ruled), w.THEN_VERIFY]
    steps: list[Step] = []
    warnings: list[str] = [n for p in matched for n in p.notes]
    if method_id.startswith("ata-security") and f.security_frozen:
        strategy = next((p.freeze_strategy for p in matched if p.freeze_strategy), ("suspend", "replug"))
        ways = reduce(lambda one, other: w.OR.format(one=one, other=other),
                      [{"suspend": w.SUSPEND, "replug": w.REPLUG}[s] for s in strategy])
        steps.append(Step("unfreeze", w.UNFREEZE.format(ways=ways), w.FROZEN_WHY))
    if method_id.startswith("ata-security"):
        steps.append(Step("set-password", w.SET_PASSWORD, w.PASSWORD_WHY))
    if f.bus == "nvme" and method_id.startswith("nvme-format") and (f.nvme_namespaces or 1) > 1 \
            and not f.format_all_namespaces:
        warnings.append(w.NAMESPACES)
    steps += hidden_steps
    steps += [
        Step("seed-markers", w.SEED, w.SEED_WHY),
        Step("erase", w.ERASE_STEP.format(method=method.id, why=why), "Purge", method=method_id, timeout_s=timeout),
        Step("check-markers", w.CHECK_MARKERS, w.CHECK_MARKERS_WHY),
        Step("verify", w.SAMPLED.format(pattern=pattern), w.SAMPLED_WHY),
    ]
    return Plan("purge", method_id, "Purge", method.technique, pattern, steps, rationale, hidden, labels, warnings, f)

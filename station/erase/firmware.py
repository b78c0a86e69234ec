"""Execute a firmware erase plan (Purge) and return the WipeResult the certificate needs.

`probe()` asks the drive itself (smartctl --json, hdparm -I, nvme id-ctrl, sg_opcodes)
for fresh facts right before the plan runs, because frozen/locked states change with
every power cycle. `execute_plan()` then runs the plan's steps in order:
  unfreeze -> set-password -> hpa-reset -> dco-restore -> seed-markers -> erase ->
  check-markers -> verify,
recording every command. The result is FINISHED only when the erase reported success,
no marker survived, and the read-back matched what the method leaves behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import replace

from station import clock
from station.certs.result import MediaFacts, Status, Verification, WipeResult
from station.devices.drive.facts import DriveFacts
from station.devices.drive.firmware_runner import CommandRunner
from station.devices.drive.parsers import hdparm, nvme, smartctl_json
from station.erase import firmware_markers as markers
from station.erase import guard
from station.erase import verify as engine_verify
from station.erase.engine import DriveGone, StopRequested, claim, open_device
from station.erase.firmware_methods import (
    FirmwareContext,
    StepFailed,
    ata_sanitize,
    dco_restore,
    hpa_reset,
    nvme_format,
    nvme_sanitize,
    probe_scsi_sanitize,
    scsi_sanitize,
    security_erase,
    unfreeze,
)
from station.erase.patterns import make
from station.erase.plan import Plan
from station.errors import DeviceError
from station.i18n import N_, composed
from station.media import Bus

__all__ = ["FirmwareContext", "StepFailed", "execute_plan", "probe"]

# A firmware job's reasons are kept English in its record and certificate; the Wipe panel and the history show
# them through i18n.shown().
UNSUPPORTED, NOTHING_ERASED, STOPPED, WENT_AWAY = composed(
    N_("unsupported by the device: {reason}"), N_("{reason}; nothing was erased"),
    N_("stopped by the operator before the firmware erase ended"), N_("the drive went away: {error}"))


def probe(path: str, bus: Bus | None, runner: CommandRunner) -> DriveFacts:
    """Fresh facts from the drive; tools that fail or are missing just add nothing."""
    facts = DriveFacts(source="probe", path=path, bus=bus)
    rec = runner.run(["smartctl", "--json", "-x", path], 60)
    try:
        doc = json.loads(rec.output)
        if smartctl_json.looks_like(doc):
            facts = facts.merge(smartctl_json.parse(doc))
    except ValueError:
        pass
    kind = facts.bus
    if kind in ("ata", "usb", None):
        ident = runner.run(["hdparm", "-I", path], 60)
        if ident.exit_code == 0 and hdparm.looks_like(ident.output):
            facts = facts.merge(hdparm.parse(ident.output))
            if kind == "usb":
                facts.passthrough = True  # IDENTIFY came back through the bridge
        hpa = hdparm.parse_hpa(runner.run(["hdparm", "-N", path], 60).output)
        if hpa is not None:
            facts.current_max_sectors, facts.native_max_sectors, facts.hpa_enabled = hpa
    if kind == "nvme":
        rec = runner.run(["nvme", "id-ctrl", path, "-o", "json"], 60)
        with contextlib.suppress(ValueError, AttributeError):
            facts = facts.merge(nvme.parse_id_ctrl_json(json.loads(rec.output)))
    if kind == "scsi":
        caps = probe_scsi_sanitize(FirmwareContext(path, runner))
        for key, value in caps.items():
            setattr(facts, key, value)
        facts.sanitize_supported = any(caps.values())
    return facts


def _erase(fc: FirmwareContext, method: str, facts: DriveFacts, timeout_s: int | None) -> None:
    family, _, kind = method.partition("-")
    if method.startswith("ata-security-erase"):
        enhanced = method.endswith("enhanced")
        security_erase(fc, enhanced=enhanced, minutes=facts.enhanced_erase_minutes if enhanced else facts.erase_minutes)
    elif method.startswith("ata-sanitize-"):
        ata_sanitize(fc, method.rsplit("-", 1)[1])
    elif method.startswith("nvme-sanitize-"):
        nvme_sanitize(fc, method.rsplit("-", 1)[1])
    elif method == "nvme-format-crypto":
        nvme_format(fc, 2, timeout_s)
    elif method == "nvme-format-user-data":
        nvme_format(fc, 1, timeout_s)
    elif method.startswith("scsi-sanitize-"):
        scsi_sanitize(fc, method.rsplit("-", 1)[1])
    else:
        raise StepFailed(f"{method} ({family} {kind}) is not a firmware method this station can run")


def _verify(fc: FirmwareContext, plan: Plan, seeded: markers.Seeded | None, check: markers.MarkerCheck | None,
            percent: float, sys_path: str | None) -> Verification:
    """Sampled read-back against the pattern the method leaves; markers alone when it is indeterminate."""
    detail: dict[str, object] = {"markers": check.to_dict() if check else None,
                                 "marker_seed": seeded.seed if seeded else None,
                                 "subsections": seeded.subsections if seeded else 0,
                                 "fingerprinted_sectors": len(seeded.fingerprints) if seeded else 0,
                                 "standard": "first and last LBA and 2 samples in each of at least 1,000 subsections"}
    markers_ok = check is not None and check.passed
    if plan.expected_pattern not in ("zero", "ones"):
        reads = (check.markers if check else 0) + (len(seeded.fingerprints) if seeded else 0)
        return Verification("firmware-markers", markers_ok, bytes_read=reads * (seeded.sector if seeded else 0),
                            ranges_read=reads,
                            expected=f"no marker or old data left ({plan.expected_pattern} content)", detail=detail)
    dev = open_device(fc.path, write=False, sys_path=sys_path)
    try:
        sample = engine_verify.sample_plan(dev.size, dev.sector, percent)
        pattern = make("zero" if plan.expected_pattern == "zero" else "one")
        report = engine_verify.read_compare(
            dev, pattern, sample.ranges, block=4 << 20, retries=1,
            progress=lambda done: fc.progress("verifying", 100.0 * done / max(sample.bytes, 1)),
            should_stop=fc.should_stop)
        v = engine_verify.verification("sample", sample, report, pattern, dev.size)
    finally:
        dev.close()
    v.detail.update(detail)
    v.passed = v.passed and markers_ok
    v.mode = "firmware-markers+sample"
    return v


def erased_devices(plan: Plan, facts: DriveFacts, path: str, sys_root: str = "/sys") -> list[str]:
    """What the erase reaches: Sanitize acts on the whole NVM subsystem, and Format on every
    namespace unless the controller says (FNA bit 0 clear) that it formats one at a time."""
    name = os.path.basename(os.path.realpath(path))
    whole = plan.method.startswith("nvme-sanitize") or (
        plan.method.startswith("nvme-format") and facts.format_all_namespaces is not False)
    names = guard.controller_namespaces(name, sys_root) if whole else [name]
    return [path if n == name else f"/dev/{n}" for n in names]


def execute_plan(plan: Plan, fc: FirmwareContext, media: MediaFacts, job_id: str, *, facts: DriveFacts | None = None,
                 marker_count: int = 64, sample_percent: float = 10.0, sys_path: str | None = None) -> WipeResult:
    if plan.method == "overwrite":
        raise ValueError("overwrite plans run on the overwrite engine, not as firmware commands")
    facts = facts or plan.facts or DriveFacts()
    media = replace(media, hpa_dco=dict(media.hpa_dco), extra=dict(media.extra))
    media.extra["plan"] = plan.to_dict()
    result = WipeResult(job_id, media, method="purge", method_type=plan.method_type, technique=plan.technique,
                        status=Status.FAILED, started_at=clock.iso(), passes=[plan.method])
    targets = erased_devices(plan, facts, fc.path)
    if len(targets) > 1:
        media.extra["namespaces"] = targets
        fc.notes.append(f"{plan.method} erases every namespace of the controller: {', '.join(targets)}.")
    try:
        # Checked again right before the erase, and held O_EXCL until it has ended.
        busy = guard.recheck([os.path.basename(os.path.realpath(t)) for t in targets],
                             fc.data.root if fc.data else None)
        if busy:
            raise StepFailed("; ".join(busy))
        with claim(targets):
            _run_steps(plan, fc, media, facts, result, marker_count, sample_percent, sys_path)
    except StepFailed as exc:
        result.reason = UNSUPPORTED.format(reason=exc.reason) if exc.unsupported else exc.reason
        if not result.throughput:
            result.reason = NOTHING_ERASED.format(reason=result.reason)
    except StopRequested:
        result.status, result.reason = Status.ABORTED, STOPPED
    except (DriveGone, DeviceError) as exc:
        result.status, result.reason = Status.INTERRUPTED, WENT_AWAY.format(error=exc)
    finally:
        result.commands = list(fc.runner.records)
        result.ended_at = clock.iso()
        result.notes.extend(plan.warnings + fc.notes)
        result.notes.extend(f"rationale: {r}" for r in plan.rationale)
    return result


def _run_steps(plan: Plan, fc: FirmwareContext, media: MediaFacts, facts: DriveFacts, result: WipeResult,
               marker_count: int, sample_percent: float, sys_path: str | None) -> None:
    t0 = time.monotonic()
    seeded: markers.Seeded | None = None
    check: markers.MarkerCheck | None = None
    for step in plan.steps:
        if fc.should_stop():
            raise StopRequested
        fc.progress(step.action, 0.0)
        if step.action == "unfreeze":
            unfreeze(fc)
        elif step.action == "hpa-reset":
            media.hpa_dco.update(hpa_reset(fc))
        elif step.action == "dco-restore":
            media.hpa_dco.update(dco_restore(fc, media.hpa_dco.get("native_max_sectors")))
        elif step.action == "seed-markers":
            seeded = markers.seed(fc.path, marker_count, result.job_id, sys_path=sys_path,
                                  sample_percent=sample_percent)
        elif step.action == "erase" and step.method:
            _erase(fc, step.method, facts, step.timeout_s)
            result.throughput.append((round(time.monotonic() - t0, 3), media.size_bytes))
        elif step.action == "check-markers" and seeded is not None:
            markers.drop_caches(fc.path)
            check = markers.check(fc.path, seeded, sys_path=sys_path)
            if not check.passed:
                raise StepFailed(f"The drive reported the erase done, but {len(check.surviving)} markers and "
                                 f"{len(check.unchanged)} old sectors survived: it was NOT erased")
        elif step.action == "verify":
            result.verification = _verify(fc, plan, seeded, check, sample_percent, sys_path)
        fc.progress(step.action, 100.0)
    if result.verification is None or not result.verification.passed:
        raise StepFailed("Verification after the firmware erase did not pass")
    result.status = Status.FINISHED
    if media.hpa_dco.get("hpa_checked") or media.hpa_dco.get("hpa_reset"):
        media.hpa_dco["hidden_area_erased"] = not media.hpa_dco.get("dco_restricted", False)

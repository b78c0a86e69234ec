"""One function per firmware command family: hdparm (ATA), nvme-cli (NVMe), sg3_utils (SCSI).

Every function runs its commands through the job's CommandRunner (so each is recorded),
reports progress as a percentage, and raises StepFailed with one clear sentence when the
drive refuses. "Unsupported by the device" is its own, clean outcome: a drive (or QEMU)
answering Invalid Command Opcode fails the step; it never crashes and never succeeds.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from station import atomic
from station.certs.result import CommandRecord
from station.devices.drive.firmware_runner import CommandRunner, looks_unsupported
from station.devices.drive.parsers import hdparm, nvme
from station.paths import DataDir
from station.prompt import OperatorPrompt

YES = "--yes-i-know-what-i-am-doing"
PASSWORDS = "ata-passwords.json"
DEFAULT_ERASE_TIMEOUT_S = 12 * 3600


class StepFailed(Exception):
    def __init__(self, reason: str, *, unsupported: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.unsupported = reason, unsupported


@dataclass
class FirmwareContext:
    path: str
    runner: CommandRunner
    progress: Callable[[str, float], None] = lambda _label, _pct: None
    should_stop: Callable[[], bool] = lambda: False
    prompt: OperatorPrompt | None = None
    data: DataDir | None = None
    serial: str = ""
    unfreeze_mode: Literal["ask", "suspend", "replug"] = "ask"
    poll_s: float = 5.0
    max_wait_s: float = DEFAULT_ERASE_TIMEOUT_S
    notes: list[str] = field(default_factory=list)


def checked(fc: FirmwareContext, argv: list[str], what: str, timeout: float = 120.0) -> CommandRecord:
    rec = fc.runner.run(argv, timeout)
    if rec.exit_code != 0:
        lines = [ln.strip() for ln in rec.output.splitlines() if ln.strip()]
        first = next((ln for ln in lines if not (ln.startswith("/dev/") and ln.endswith(":"))), "no output")
        # hdparm exits with the ioctl's errno: EINVAL, ENOTTY and EOPNOTSUPP mean "not this device".
        if looks_unsupported(rec) or (argv[0] == "hdparm" and rec.exit_code in (22, 25, 95)):
            raise StepFailed(f"{what} is unsupported by the device ({first})", unsupported=True)
        code = "did not finish" if rec.exit_code is None else f"failed with exit code {rec.exit_code}"
        raise StepFailed(f"{what} {code} ({first})")
    return rec


# --- ATA: hidden areas -------------------------------------------------------------------------

def hpa_reset(fc: FirmwareContext) -> dict[str, Any]:
    """Read current/native max; remove an HPA permanently. Returns the facts for the certificate."""
    rec = fc.runner.run(["hdparm", "-N", fc.path], 60)
    state = hdparm.parse_hpa(rec.output)
    if state is None:
        return {"hpa_checked": False, "hpa_note": "hdparm -N gave no max sectors on this device"}
    current, native, enabled = state
    out: dict[str, Any] = {"hpa_checked": True, "hpa_enabled": enabled, "current_max_sectors": current,
                           "native_max_sectors": native, "hpa_hidden_sectors": max(0, native - current)}
    if native > current:
        checked(fc, ["hdparm", YES, "-N", f"p{native}", fc.path], "Removing the HPA")
        after = hdparm.parse_hpa(fc.runner.run(["hdparm", "-N", fc.path], 60).output)
        if after is None or after[0] != after[1]:
            raise StepFailed("The HPA could not be removed: the drive still hides sectors")
        out["hpa_reset"] = True
    return out


def dco_restore(fc: FirmwareContext, native_max: int | None) -> dict[str, Any]:
    rec = fc.runner.run(["hdparm", "--dco-identify", fc.path], 60)
    real = hdparm.parse_dco_real_max(rec.output)
    if real is None:
        return {"dco_checked": False}
    out: dict[str, Any] = {"dco_checked": True, "dco_real_max_sectors": real}
    if native_max is not None and real > native_max + 1:
        checked(fc, ["hdparm", YES, "--dco-restore", fc.path], "Restoring the DCO factory size")
        out["dco_restored"] = True
    out["dco_restricted"] = bool(native_max is not None and real > native_max + 1 and not out.get("dco_restored"))
    return out


# --- ATA: freeze, password, Security Erase, Sanitize --------------------------------------------

def security_state(fc: FirmwareContext) -> dict[str, bool | None]:
    f = hdparm.parse(fc.runner.run(["hdparm", "-I", fc.path], 60).output)
    return {"frozen": f.security_frozen, "enabled": f.security_enabled, "locked": f.security_locked}


def unfreeze(fc: FirmwareContext) -> None:
    """Suspend/resume the bench (rtcwake) or have the bay re-plugged, then check the drive again."""
    mode = fc.unfreeze_mode
    if mode == "ask":
        if fc.prompt is None:
            raise StepFailed("The drive is frozen (the BIOS locked ATA security) and nobody can be asked to "
                             "unfreeze it. Re-plug the drive's bay and start again.")
        pick = fc.prompt.choose("The drive is frozen. Unfreeze it how?",
                                ["Suspend and resume this bench (rtcwake, about 10 s)", "I will re-plug the bay"])
        if pick is None:
            raise StepFailed("Unfreezing was cancelled: the drive is still frozen; nothing was erased.")
        mode = ("suspend", "replug")[pick]
    if mode == "suspend":
        checked(fc, ["rtcwake", "-m", "mem", "-s", "10"], "Suspend/resume (rtcwake)", timeout=180)
    else:
        if fc.prompt is None or not fc.prompt.confirm("Unplug the drive (or its bay), plug it back in, then "
                                                      "confirm when the bay light is on again."):
            raise StepFailed("The bay was not re-plugged: the drive is still frozen; nothing was erased.")
    if security_state(fc)["frozen"]:
        raise StepFailed(f"The drive is still frozen after {mode}; try the other way to unfreeze it.")


def record_password(data: DataDir, serial: str, password: str) -> None:
    """Kept BEFORE the password is set, so a drive left locked by a failed erase can be unlocked."""
    path = data.keys / PASSWORDS
    book = json.loads(path.read_text()) if path.exists() else {}
    book[serial] = {"password": password, "user_master": "u", "set_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                     time.gmtime())}
    atomic.write_atomic(path, json.dumps(book, indent=1).encode(), 0o600)


def recorded_password(data: DataDir, serial: str) -> str | None:
    path = data.keys / PASSWORDS
    if not path.exists():
        return None
    entry = json.loads(path.read_text()).get(serial)
    return entry["password"] if entry else None


def unlock(fc: FirmwareContext, password: str) -> None:
    """Recovery of a drive left locked: unlock, then remove the password."""
    fc.runner.secrets.append(password)
    checked(fc, ["hdparm", "--user-master", "u", "--security-unlock", password, fc.path], "Unlocking the drive")
    checked(fc, ["hdparm", "--user-master", "u", "--security-disable", password, fc.path], "Removing the password")


def _ticker(fc: FirmwareContext, label: str, estimate_s: float) -> threading.Event:
    """Progress for a blocking command: elapsed time against the drive's own estimate."""
    done = threading.Event()

    def tick() -> None:
        t0 = time.monotonic()
        while not done.wait(min(fc.poll_s, 5.0)):
            fc.progress(label, min(99.0, 100.0 * (time.monotonic() - t0) / max(estimate_s, 1.0)))
    threading.Thread(target=tick, daemon=True, name="erase-progress").start()
    return done


def security_erase(fc: FirmwareContext, *, enhanced: bool, minutes: int | None) -> None:
    if fc.data is None or not fc.serial:
        raise StepFailed("Security Erase needs the drive's serial and the station's key folder to record the "
                         "password first; nothing was erased.")
    password = "ts" + secrets.token_hex(8)
    fc.runner.secrets.append(password)
    record_password(fc.data, fc.serial, password)
    checked(fc, ["hdparm", "--user-master", "u", "--security-set-pass", password, fc.path], "Setting the password")
    estimate = (minutes or 120) * 60.0
    done = _ticker(fc, "security erase", estimate)
    try:
        flag = "--security-erase-enhanced" if enhanced else "--security-erase"
        checked(fc, ["hdparm", "--user-master", "u", flag, password, fc.path], "Security Erase",
                timeout=min(fc.max_wait_s, estimate * 2 + 600))
    finally:
        done.set()
    state = security_state(fc)
    if state["enabled"]:
        fc.runner.run(["hdparm", "--user-master", "u", "--security-disable", password, fc.path], 60)
        raise StepFailed("The drive still has the erase password set after Security Erase; the password is "
                         "recorded: use the station's unlock recovery.")


def _poll(fc: FirmwareContext, label: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    t0 = time.monotonic()
    while True:
        state = read()
        if not state.get("in_progress"):
            return state
        fc.progress(label, float(state.get("percent") or 0.0))
        if time.monotonic() - t0 > fc.max_wait_s:
            raise StepFailed(f"{label} did not complete in {fc.max_wait_s / 3600:.0f} h; the drive keeps going "
                             "after a power cycle. Check it again later.")
        time.sleep(fc.poll_s)


def ata_sanitize(fc: FirmwareContext, kind: str) -> None:
    flag = {"crypto": ["--sanitize-crypto-scramble"], "block": ["--sanitize-block-erase"],
            "overwrite": ["--sanitize-overwrite", "hex:00000000"]}[kind]
    checked(fc, ["hdparm", YES, *flag, fc.path], f"ATA SANITIZE {kind}")
    state = _poll(fc, f"sanitize {kind}", lambda: hdparm.parse_sanitize_status(
        fc.runner.run(["hdparm", "--sanitize-status", fc.path], 60).output))
    if state.get("frozen"):
        raise StepFailed("The drive's Sanitize feature is frozen (SD1); re-plug the drive and start again.")
    if state.get("last") != "succeeded":
        raise StepFailed(f"ATA SANITIZE {kind} did not report success (state {state.get('state', '?')})")


# --- NVMe ---------------------------------------------------------------------------------------

def _sanitize_log(fc: FirmwareContext) -> dict[str, Any]:
    rec = fc.runner.run(["nvme", "sanitize-log", fc.path, "-o", "json"], 60)
    try:
        f = nvme.parse_sanitize_log_json(json.loads(rec.output))
    except ValueError:
        f = nvme.parse_sanitize_log_text(rec.output)
    return {"in_progress": f.sanitize_in_progress, "percent": f.sanitize_progress_percent,
            "last": f.sanitize_last_status}


def nvme_sanitize(fc: FirmwareContext, kind: str) -> None:
    sanact = {"block": "2", "overwrite": "3", "crypto": "4"}[kind]
    extra = ["--owpass=1", "--ovrpat=0"] if kind == "overwrite" else []
    checked(fc, ["nvme", "sanitize", fc.path, f"--sanact={sanact}", *extra], f"NVMe Sanitize {kind}")
    state = _poll(fc, f"sanitize {kind}", lambda: _sanitize_log(fc))
    if not str(state.get("last") or "").startswith("completed successfully"):
        raise StepFailed(f"NVMe Sanitize {kind} ended with status: {state.get('last') or 'unknown'}")


def nvme_format(fc: FirmwareContext, ses: int, timeout_s: int | None) -> None:
    done = _ticker(fc, f"format SES={ses}", float(timeout_s or 600) / 2)
    try:
        checked(fc, ["nvme", "format", fc.path, f"--ses={ses}", "--force"], f"NVMe Format (SES={ses})",
                timeout=float(timeout_s or 3600))
    finally:
        done.set()


# --- SCSI ---------------------------------------------------------------------------------------

def scsi_sanitize(fc: FirmwareContext, kind: str) -> None:
    flag = {"crypto": ["--crypto"], "block": ["--block"], "overwrite": ["--overwrite", "--zero"]}[kind]
    done = _ticker(fc, f"sanitize {kind}", 3600.0)
    try:
        checked(fc, ["sg_sanitize", *flag, "--quick", "--wait", fc.path], f"SCSI SANITIZE {kind}",
                timeout=fc.max_wait_s)
    finally:
        done.set()


def probe_scsi_sanitize(fc: FirmwareContext) -> dict[str, bool]:
    """SCSI SANITIZE service actions the device lists in REPORT SUPPORTED OPERATION CODES."""
    out = fc.runner.run(["sg_opcodes", "--no-inquiry", fc.path], 60)
    text = out.output.lower() if out.exit_code == 0 else ""
    return {"sanitize_overwrite": "sanitize, overwrite" in text, "sanitize_block": "sanitize, block erase" in text,
            "sanitize_crypto": "sanitize, cryptographic erase" in text}


def passwords_file(data: DataDir) -> Path:
    return data.keys / PASSWORDS

"""Erase one iPhone end to end: ready → identity → unit → pre-checks → erase → reboot → verification → certificate.

`wipe_iphone()` is what `station wipe ios:UDID` and the Wipe panel call; it blocks (run it on a
worker). iOS keeps all user data encrypted under keys held by the Secure Enclave (Data
Protection); Erase All Content and Settings, sent through the MCInstall service, discards
those keys, so the erase is a cryptographic erase: NIST SP 800-88 Purge. The iPhone gives no
progress while it erases: it leaves the bus, may come and go while it reboots, and comes back
in Setup Assistant trusting no host. It is then paired again (an unactivated iPhone in Setup
Assistant pairs without the Trust prompt) and verified: the same serial, unactivated, Setup
Assistant not done, Find My off, no passcode, no profiles. Anything less is recorded and
certified as NOT sanitized. An iPhone that must not be erased (Activation Lock, supervision,
MDM) raises PhoneBlocked after the reason is recorded on its unit.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from station import clock
from station.certs.result import MediaFacts, Status, WipeResult
from station.context import StationContext
from station.devices.phone import ios_services
from station.devices.phone.ios import IPhoneIdentity, ListedIPhone, read_iphone
from station.erase import jobs
from station.erase.phone import records
from station.erase.phone.ios_prechecks import ios_checks
from station.erase.phone.ios_verify import verify_erased
from station.erase.phone.prechecks import Prechecks
from station.erase.phone.reset import PhoneTimings, Progress
from station.errors import Cancelled, UserFacingError
from station.i18n import _
from station.models import PhoneCheck
from station.prompt import OperatorPrompt
from station.value import capacity
from station.wipe_record import JobKind

METHOD = "erase-all-content"
LOCK_CHECKS = ("activation_lock", "supervision", "mdm")  # what the route gates read as an account lock


def pair_dir(ctx: StationContext) -> Any:
    return ctx.data.root / "pairing"


def ready_iphone(ctx: StationContext, udid: str) -> ListedIPhone:
    """The iPhone, trusted and answering, or a UserFacingError saying what to do."""
    listed = read_iphone(udid, pair_dir(ctx))
    if listed is None:
        raise UserFacingError(_("No iPhone {udid} is connected. Plug it in with a data cable and run "
                                "'station phones' to see its state.").format(udid=udid))
    if listed.state != "ready" or listed.identity is None:
        raise UserFacingError(_("iPhone {udid} is not ready to erase. {instruction}").format(
                udid=udid, instruction=listed.instruction))
    return listed


def iphone_prechecks(listed: ListedIPhone) -> Prechecks:
    return Prechecks(ios_checks(listed.values, listed.domains, listed.services), "Purge", "data-protection", False)


def record_iphone(ctx: StationContext, listed: ListedIPhone) -> tuple[str, Prechecks]:
    """Join (or create) the unit from the iPhone's identity and record its pre-checks; (uid, checks)."""
    ident = listed.identity
    assert ident is not None
    checks = iphone_prechecks(listed)
    uid = records.join_ids(ctx, ident.serial, ident.imeis[0] if ident.imeis else None,
                           "tablet" if ident.device_class == "iPad" else "phone", "Apple", ident.marketing_name,
                           ident.to_dict(), capacity=capacity.phone(ident.capacity_bytes))
    mdm = next((c.facts for c in checks.checks if c.key == "mdm"), {})
    records.record_checks(ctx, uid, checks, PhoneCheck(
        serial=ident.serial, imei=ident.imeis[0] if ident.imeis else None, android_version=None,
        security_patch=None, encryption=checks.encryption, method_type=checks.method_type, verified_boot=None,
        bootloader_locked=None, rooted=False,
        frp_account=any(c.key in LOCK_CHECKS and c.outcome == "block" for c in checks.checks),
        device_owner=mdm.get("organization") if mdm.get("mdm_enrolled") else None, blocked=bool(checks.blocking)))
    return uid, checks


def wipe_iphone(ctx: StationContext, udid: str, prompt: OperatorPrompt, *, progress: Progress | None = None,
                should_stop: Callable[[], bool] | None = None) -> jobs.Finished:
    udid = udid.removeprefix("ios:")
    timings = PhoneTimings.from_config(ctx.config)
    report = progress or (lambda *_: None)
    stop = should_stop or (lambda: False)

    report(0.05, "Reading the iPhone")
    listed = ready_iphone(ctx, udid)
    ident = listed.identity
    assert ident is not None
    uid, checks = record_iphone(ctx, listed)
    result = _new_result(udid, ident, checks)

    def work() -> None:
        steps: list[str] = []
        result.media.extra["erase_means"] = "mcinstall-erase-device"
        result.media.extra["reset_log"] = steps
        if stop():
            raise Cancelled
        report(0.15, "Sending Erase All Content and Settings")
        result.commands.append(ios_services.erase(udid, pair_dir(ctx)))
        steps.append("MCInstall EraseDevice accepted")
        result.notes.append("Erased by Erase All Content and Settings, sent through the MCInstall service.")
        back = _wait_back(ctx, udid, timings, steps, report, stop)
        if back is None:
            result.status = Status.FAILED
            result.reason = (f"The iPhone did not come back within {timings.reset_s:.0f} s of the erase, so the "
                             "erase is not verified. Keep it plugged in; when it shows Setup Assistant, check it "
                             "again with 'station phones'.")
        else:
            result.status = Status.FINISHED
            report(0.9, "Verifying the erase")
            result.verification = verify_erased(ident.serial, back)
            if not result.verification.passed:
                result.reason = _verification_reason(result)

    return records.run_job(ctx, uid, ident.marketing_name, checks, result, JobKind.IPHONE_ERASE, prompt, report,
                           work)


def _wait_back(ctx: StationContext, udid: str, timings: PhoneTimings, steps: list[str], report: Progress,
               stop: Callable[[], bool]) -> ListedIPhone | None:
    """Follow the iPhone off the bus and back (as often as it comes and goes) until it answers in a session."""
    deadline = time.monotonic() + timings.reset_s
    present, left = True, False
    while time.monotonic() < deadline:
        if stop():
            raise Cancelled
        now = ios_services.on_bus(udid)
        if now != present:
            steps.append("back on the bus" if now else "left the bus")
            present, left = now, left or not now
            report(0.55 if now else 0.35, "Back on the bus, waiting for it to answer" if now
                   else "Erasing: the iPhone restarts (it gives no progress)")
        if left and present:
            listed = read_iphone(udid, pair_dir(ctx))
            if listed is not None and listed.state == "ready":
                steps.append("answered in a new session")
                return listed
            seen = f"answered {listed.state}" if listed is not None and listed.state != "unreachable" else ""
            if seen and (not steps or steps[-1] != seen):  # once per change, not once per look
                steps.append(seen)
        time.sleep(timings.poll_s)
    steps.append(f"not back after {timings.reset_s:.0f} s")
    return None


def _new_result(udid: str, ident: IPhoneIdentity, checks: Prechecks) -> WipeResult:
    media = MediaFacts(
        path=f"ios:{udid}", kind="mobile device", bus="usbmuxd", vendor="Apple", model=ident.marketing_name,
        serial=ident.serial, firmware=f"iOS {ident.ios_version} ({ident.build})",
        size_bytes=ident.capacity_bytes or 0, logical_sector=0, physical_sector=0,
        extra={"identity": ident.to_dict(), "prechecks": checks.to_dict(), "requested_method": METHOD},
    )
    return WipeResult(
        job_id=f"iphone-{uuid.uuid4().hex[:12]}", media=media, method=METHOD, method_type="Purge",
        technique="crypto erase", status=Status.FAILED, started_at=clock.iso(),
        notes=["iOS encrypts all user data with keys held by the Secure Enclave (Data Protection); Erase All "
               "Content and Settings destroys those keys: a cryptographic erase (Purge)."],
    )


def _verification_reason(result: WipeResult) -> str:
    v = result.verification
    assert v is not None
    same = next((c for c in v.detail.get("checks", []) if c["check"] == "same_device"), None)
    if same is not None and not same["passed"]:
        return (f"A device with another serial ({same['found']}) answered after the erase, so the erase of "
                f"{same['expected']} is not verified. Find the right iPhone, plug it in and erase it again.")
    failed = ", ".join(f"{c['check']} is {c['found']}" for c in v.detail.get("checks", []) if not c["passed"])
    return f"The iPhone did not come back erased ({failed}). Erase it again."

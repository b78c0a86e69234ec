"""Erase one phone end to end: ready → identity → unit → pre-checks → reset → verification → certificate.

`wipe_phone()` is what `station wipe adb:SERIAL` and the wipe panel call. It blocks (run it
on a worker) and asks the technician through the prompt. A phone that must not be erased
(FRP account, MDM, USB debugging refused) raises a UserFacingError after the reason is
recorded on its unit; anything that ran returns the job's Finished (its result and certificate).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from station import clock
from station.certs.result import MediaFacts, Status, WipeResult
from station.context import StationContext
from station.devices.phone.adb import AdbClient, PhoneNotReady
from station.devices.phone.driver import client_from_config
from station.devices.phone.identity import PhoneIdentity, read_identity
from station.erase import jobs
from station.erase.phone import records
from station.erase.phone.prechecks import Prechecks, run_prechecks
from station.erase.phone.reset import PhoneReset, PhoneTimings, Progress
from station.erase.phone.verify import failed_checks, read_baseline, verify_reset
from station.prompt import OperatorPrompt
from station.wipe_record import JobKind

AUTH_ATTEMPTS = 3
_MEANS_TEXT = {  # completes "Erased by ..."
    "recovery-command": "recovery's --wipe_data, armed as root through /cache/recovery/command",
    "reset-broadcast": "the system's own factory reset (FACTORY_RESET broadcast sent as root)",
    "recovery-menu": "factory reset in recovery ('Wipe data/factory reset'), done by the technician as guided",
}


@dataclass
class PhoneInspection:
    serial: str
    props: dict[str, str]
    identity: PhoneIdentity
    checks: Prechecks


def client_for(ctx: StationContext) -> AdbClient:
    return client_from_config(ctx.config, demo=ctx.demo)


def ensure_ready(client: AdbClient, serial: str, prompt: OperatorPrompt, timings: PhoneTimings) -> None:
    """The phone is in Android and authorised, or PhoneNotReady says what to do."""
    state = client.state(serial)
    for _ in range(AUTH_ATTEMPTS):
        if state not in ("unauthorized", "authorizing"):
            break
        if not prompt.confirm(f"Phone {serial} asks whether to allow USB debugging. Unlock it, tick 'Always allow "
                              "from this computer' and tap Allow. Done?"):
            break
        state = client.wait_for(serial, {"device"}, timings.settle_s, timings.poll_s)
    if state != "device":
        raise PhoneNotReady(serial, state)


def inspect(ctx: StationContext, client: AdbClient, serial: str) -> PhoneInspection:
    props = client.getprop(serial)
    identity = read_identity(client, serial, props)
    return PhoneInspection(serial, props, identity, run_prechecks(client, serial, props, identity, ctx.config))


def wipe_phone(ctx: StationContext, serial: str, prompt: OperatorPrompt, method: str = "auto", *,
               client: AdbClient | None = None, progress: Progress | None = None,
               should_stop: Callable[[], bool] | None = None) -> jobs.Finished:
    serial = serial.removeprefix("adb:")
    client = client or client_for(ctx)
    timings = PhoneTimings.from_config(ctx.config)
    report = progress or (lambda *_: None)
    stop = should_stop or (lambda: False)

    ensure_ready(client, serial, prompt, timings)
    report(0.05, "Reading the phone")
    found = inspect(ctx, client, serial)
    identity, checks = found.identity, found.checks
    uid = records.join_unit(ctx, identity)
    records.record_prechecks(ctx, uid, identity, checks)
    result = _new_result(serial, identity, checks, method)

    def work() -> None:
        client.journal = result.commands  # from here every command sent to the phone is evidence
        try:
            baseline = read_baseline(client, serial)
            reset = PhoneReset(client, serial, prompt, checks, sdk=identity.sdk, method=method, timings=timings,
                               progress=report, should_stop=stop)
            try:
                reset.startup()
                reset.execute()
            finally:
                reset.shutdown()
            outcome = reset.outcome
            result.media.extra["erase_means"] = outcome.means
            result.media.extra["reset_log"] = outcome.notes  # every step seen, in order: the evidence
            if outcome.means:
                result.notes.append(f"Erased by {_MEANS_TEXT.get(outcome.means, outcome.means)}.")
            result.status, result.reason = outcome.status, outcome.reason
            if outcome.status is Status.FINISHED:
                report(0.8, "Verifying the reset")
                result.verification = verify_reset(client, serial, prompt, timings, outcome.returned, baseline,
                                                   lambda path: records.store_photo(ctx, uid, path), stop,
                                                   hardware_serial=identity.serial)
                if not result.verification.passed:
                    result.reason = _verification_reason(result)
        finally:
            client.journal = None

    return records.run_job(ctx, uid, identity.label, checks, result, JobKind.PHONE_RESET, prompt, report, work)


def _new_result(serial: str, identity: PhoneIdentity, checks: Prechecks, method: str) -> WipeResult:
    purge = checks.method_type == "Purge"
    media = MediaFacts(
        path=f"adb:{serial}", kind="mobile device", bus="adb", vendor=identity.manufacturer, model=identity.model,
        serial=identity.serial, firmware=f"Android {identity.android_version}, patch {identity.security_patch}",
        logical_sector=0, physical_sector=0,
        extra={"identity": identity.to_dict(), "prechecks": checks.to_dict(), "requested_method": method},
    )
    return WipeResult(
        job_id=f"phone-{uuid.uuid4().hex[:12]}", media=media, method="factory-reset",
        method_type=checks.method_type, technique="crypto erase" if purge else "factory reset (unencrypted)",
        status=Status.FAILED, started_at=clock.iso(),
        notes=[f"Encryption: {checks.encryption}; " + ("the reset destroys the storage keys (Purge)." if purge
                                                        else "the reset is a Clear, not a cryptographic erase.")],
    )


def _verification_reason(result: WipeResult) -> str:
    v = result.verification
    if v is None or v.mode == "none":
        return "The reset was not verified: " + (v.detail.get("method", "") if v else "no verification") + "."
    if v.mode == "visual-photo":
        return "The technician did not confirm the setup wizard on the photo."
    same = next((c for c in v.detail.get("checks", []) if c["check"] == "same_phone"), None)
    if same is not None and not same["passed"] and "error" not in same:
        return (f"A different phone (serial {same['found']}) answered after the reset, so this phone's reset "
                f"({same['expected']}) is not verified. Plug the right phone back in and erase it again.")
    failed = [c for c in v.detail.get("checks", []) if not c["passed"]]
    if failed and all("error" in c for c in failed):
        return (f"The reset could not be verified: the phone did not answer every check ({failed_checks(v)}). "
                "Check it again, or confirm the setup wizard with a photo.")
    return f"The phone still holds its owner's data after the reset ({failed_checks(v)}). Erase it again."

"""One wipe ledger: every job kind leaves the same two payload shapes on its unit."""

from __future__ import annotations

import io
import json
from dataclasses import fields
from pathlib import Path

import pytest
from sqlalchemy import select

from station import cli, clock
from station.certs import keys
from station.certs.result import MediaFacts, Status, Verification, WipeResult
from station.context import open_station
from station.devices.drive import firmware_runner, probe
from station.devices.drive.facts import DriveFacts
from station.erase import ledger
from station.erase.phone import records
from station.erase.phone.prechecks import Prechecks
from station.models import Event, WipeJob
from station.prompt import TerminalPrompt
from station.wipe_record import ENDED, STARTED, JobKind, WipeEnded, WipeStarted
from tests.erase.wipe_fixtures import LoopFactory, MiB
from tests.test_prompt import FrozenDrive

pytestmark = pytest.mark.timeout(180)


def _phone_result(job_id: str, serial: str, method: str) -> WipeResult:
    media = MediaFacts(path=f"adb:{serial}", kind="mobile device", bus="adb", model="Pixel 7", serial=serial)
    return WipeResult(job_id=job_id, media=media, method=method, method_type="Purge", technique="crypto erase",
                      status=Status.FAILED, started_at=clock.iso())


def test_every_job_kind_writes_the_same_shape(loops: LoopFactory, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # an overwrite, through the CLI and its worker process
    assert cli.main(["wipe", loops(4 * MiB).path, "--method", "zero", "--verify", "full", "--yes", "--json"]) == 0
    # a firmware Purge, through the CLI, on a drive that stays frozen
    frozen = DriveFacts(source="test", bus="ata", model="HDD", rotational=True, security_supported=True,
                        security_enabled=False, security_frozen=True, sanitize_supported=False, hpa_supported=False)
    monkeypatch.setattr(probe, "tool_facts", lambda _path, _bus: frozen)
    monkeypatch.setattr(firmware_runner.CommandRunner, "run", FrozenDrive.run)
    monkeypatch.setattr("sys.stdin", io.StringIO("2\ny\n"))
    assert cli.main(["wipe", loops(4 * MiB).path, "--method", "purge", "--yes", "--json"]) == 1
    capsys.readouterr()
    ctx = open_station(data_dir)
    try:
        with ctx.store.session() as s:  # a phone's unit exists before its reset (joined by IMEI at identify)
            from station import units

            phone_uid = units.create(s, ctx.actor, {"serial": "R58PHONE"}, device_class="phone").uid
            iphone_uid = units.create(s, ctx.actor, {"serial": "F2LIPHONE"}, device_class="phone").uid
        # an Android reset, through wipe_phone's own job run, on a station that cannot sign: the
        # certificate's failure is kept on the job's Finished, as a drive's is, and the end is recorded
        phone = _phone_result("phone-1", "R58PHONE", "factory-reset")
        (ctx.data.keys / keys.PRIVATE_NAME).write_bytes(b"not a key")

        def reset() -> None:
            phone.status, phone.verification = Status.FINISHED, Verification(mode="adb-setup-wizard", passed=True)
            phone.media.extra["erase_means"] = "recovery-command"

        checks = Prechecks(checks=[], method_type="Purge", encryption="file-based", rooted=False)
        finished = records.run_job(ctx, phone_uid, "Pixel 7", checks, phone, JobKind.PHONE_RESET,
                                   TerminalPrompt(True), lambda *_: None, reset)
        assert finished.unit_uid == phone_uid and finished.certificate_json is None
        assert finished.certificate_error is not None and "signing key" in finished.certificate_error
        # the iPhone erase to come records through the same two calls
        iphone = _phone_result("iphone-1", "F2LIPHONE", "erase-all-content")
        ledger.record_start(ctx, WipeStarted(job_id="iphone-1", kind=JobKind.IPHONE_ERASE, device="usbmux:F2L",
                                             serial="F2LIPHONE", method="erase-all-content", verify="iphone-erase"),
                            unit_uid=iphone_uid, in_process=True)
        iphone.status = Status.INTERRUPTED
        assert ledger.record_end(ctx, iphone, JobKind.IPHONE_ERASE).recorded
        assert not ledger.record_end(ctx, iphone, JobKind.IPHONE_ERASE).recorded  # once only

        with ctx.store.reader() as s:
            evs = list(s.execute(select(Event).where(Event.kind.in_([STARTED, *ENDED])).order_by(Event.seq))
                       .scalars())
            rows = {j.id: j for j in s.execute(select(WipeJob)).scalars()}
    finally:
        ctx.close()
    started = [json.loads(e.payload) for e in evs if e.kind == STARTED]
    ended = [json.loads(e.payload) for e in evs if e.kind != STARTED]
    assert [p["kind"] for p in started] == ["overwrite", "firmware", "phone-reset", "iphone-erase"]
    assert [p["kind"] for p in ended] == ["overwrite", "firmware", "phone-reset", "iphone-erase"]
    for p in started:
        assert set(p) == {f.name for f in fields(WipeStarted)}
        assert WipeStarted.from_payload(p).payload() == p
    for p in ended:
        assert set(p) == {f.name for f in fields(WipeEnded)}
        assert WipeEnded.from_payload(p).payload() == p
    overwrite, firmware, android, apple = (WipeEnded.from_payload(p) for p in ended)
    assert overwrite.sanitized and overwrite.verify == "full" and overwrite.bytes_written == 4 * MiB
    assert firmware.status is Status.FAILED and "still frozen" in firmware.reason and firmware.commands > 0
    assert android.sanitized and android.erase_means == "recovery-command" and android.verified is True
    assert apple.unit_status == "interrupted" and [e.kind for e in evs][-1] == "wipe.interrupted"
    assert {r.status for r in rows.values()} == {"FINISHED", "FAILED", "INTERRUPTED"}
    assert ledger.kind_of(rows["phone-1"]) is JobKind.PHONE_RESET


def test_older_payloads_read_with_defaults() -> None:
    """Events already on the hub from an older station: a phone's nested verification, no kind."""
    old = {"job_id": "phone-x", "status": "FINISHED", "sanitized": True, "reason": "", "method_type": "Purge",
           "technique": "crypto erase", "erase_means": "recovery-menu", "verification": {"mode": "m", "passed": True}}
    end = WipeEnded.from_payload(old)
    assert (end.kind, end.status, end.unit_status, end.erase_means) == (JobKind.OVERWRITE, Status.FINISHED,
                                                                        "sanitized", "recovery-menu")
    assert WipeEnded.from_payload({"status": "bogus", "sanitized": "yes"}).unit_status == "failed"
    from station.wipe_record import key

    with pytest.raises(KeyError):
        key(WipeEnded, "verification")


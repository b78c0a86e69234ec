"""What a Wipe panel row says when the drive was erased but its certificate could not be issued."""

from __future__ import annotations

from station import clock
from station.certs import keys
from station.certs.result import MediaFacts, Status, Verification, WipeResult
from station.context import StationContext
from station.erase import jobs
from station.erase.ledger import record_start
from station.ui.wipe_targets import result_words
from station.wipe_record import JobKind, WipeStarted


def _sanitized_job(ctx: StationContext) -> WipeResult:
    record_start(ctx, WipeStarted(job_id="J-1", kind=JobKind.OVERWRITE, device="/dev/sdz", serial="S-1",
                                  method="clear", verify="full"))
    return WipeResult(job_id="J-1", media=MediaFacts(path="/dev/sdz", serial="S-1", kind="drive"), method="clear",
                      method_type="Clear", technique="overwrite", status=Status.FINISHED,
                      verification=Verification(mode="full", passed=True), started_at=clock.iso())


def test_a_sanitized_drive_whose_certificate_failed_says_so_in_red(ctx: StationContext) -> None:
    key = keys.load_or_create(ctx.data)
    key.path.write_bytes(b"not a key")  # a signing key damaged on disk: nothing can be signed
    finished = jobs.close(ctx, _sanitized_job(ctx), JobKind.OVERWRITE)
    assert finished.result.sanitized and finished.certificate_json is None
    words, level = result_words(finished)
    assert level == "error"
    assert words.startswith("SANITIZED · NO CERTIFICATE: The station signing key")
    assert "Restore it from backup" in words and words.endswith("Then wipe again for its certificate.")


def test_a_sanitized_drive_with_its_certificate_says_issued(ctx: StationContext) -> None:
    finished = jobs.close(ctx, _sanitized_job(ctx), JobKind.OVERWRITE)
    assert result_words(finished) == ("SANITIZED · certificate issued", "ok")

"""A site that requires validation: a certificate is PENDING until a second operator signs it with their PIN."""

from __future__ import annotations

import io
import json
import sys

import pytest
from sqlalchemy import select

from station import operators
from station.certs import certificate, keys
from station.certs import validation as cert_validation
from station.certs import verify as cert_verify
from station.cli import main
from station.errors import UserFacingError
from station.models import Event
from tests.erase.test_certificate import configured, result

__all__ = ["configured"]


@pytest.fixture
def pending(configured):  # type: ignore[no-untyped-def]
    ctx = configured
    ctx.config.set("cert.require_validation", True)
    operators.add(ctx, "Tia Tech", "technician", pin="1234")
    operators.add(ctx, "Sue Super", "supervisor", pin="4321")
    operators.sign_in_pin(ctx, "Tia Tech", "1234")
    return ctx, certificate.issue(ctx, result(), None)


def _verify(ctx, path):  # type: ignore[no-untyped-def]
    return cert_verify.verify_bytes(path.read_bytes(), trusted=keys.load_or_create(ctx.data).public)


def test_a_pending_certificate_says_so_and_does_not_verify_as_final(pending) -> None:  # type: ignore[no-untyped-def]
    ctx, issued = pending
    doc = json.loads(issued.json_path.read_text())["certificate"]
    assert doc["title"] == "Certificate of Sanitization" + cert_validation.PENDING_SUFFIX
    validation = doc["appendix_g"]["validation"]
    assert validation["final"] is False and validation["name"] == "" and validation["status"].startswith("pending")
    report = _verify(ctx, issued.json_path)
    assert not report.ok
    assert [(c.ok, c.detail) for c in report.checks if c.name == "validation"] == [
        (False, "PENDING: this site requires a second person's validation, and no one has validated this "
                "certificate yet; it is not final")]


def test_the_performer_cannot_validate_and_a_wrong_pin_is_counted(pending) -> None:  # type: ignore[no-untyped-def]
    ctx, issued = pending
    with pytest.raises(UserFacingError, match="Tia Tech performed this sanitization, so cannot validate it"):
        certificate.validate(ctx, issued.id, "Tia Tech", "1234")
    with pytest.raises(UserFacingError, match="That name and PIN do not match"):
        certificate.validate(ctx, issued.id, "Sue Super", "0000")
    with ctx.store.reader() as s:
        kinds = list(s.execute(select(Event.kind).order_by(Event.seq)).scalars())
    assert kinds[-1] == "operator.pin_failed" and "certificate.validated" not in kinds


def test_a_second_operator_signs_with_their_pin_and_the_final_certificate_carries_it(
        pending, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ctx, issued = pending
    monkeypatch.setattr(sys, "stdin", io.StringIO("4321\n"))
    assert main(["--data-dir", str(ctx.data.root), "cert", "validate", issued.id, "--as", "Sue Super"]) == 0
    out = capsys.readouterr().out
    final_id = out.split("the final certificate is ", 1)[1].split(" ", 1)[0]
    final_path = ctx.data.certificates / f"{final_id}.json"
    envelope = json.loads(final_path.read_text())
    doc = envelope["certificate"]
    with ctx.store.reader() as s:
        approval = s.execute(select(Event).where(Event.kind == "certificate.validated")).scalar_one()
        sue = operators.list_operators(ctx)
    sue_id = next(o.id for o in sue if o.name == "Sue Super")
    assert json.loads(approval.payload) == {
        "certificate_id": issued.id, "sha256": issued.sha256, "validator_id": sue_id, "validator": "Sue Super",
        "role": "supervisor", "performer": "Tia Tech"}
    assert approval.operator_name == "Sue Super"  # the approval is the validator's own signed-in act
    validation = doc["appendix_g"]["validation"]
    assert (validation["name"], validation["role"], validation["final"]) == ("Sue Super", "supervisor", True)
    assert validation["date"] == approval.created_at[:10]
    assert validation["signature"]["event_seq"] == approval.seq and validation["signature"]["event_hash"] == \
        approval.hash
    assert validation["validates"] == {"certificate_id": issued.id, "sha256": issued.sha256}
    assert doc["title"] == "Certificate of Sanitization" and doc["operator"]["name"] == "Tia Tech"
    assert envelope["event"]["prev_hash"] == approval.hash  # chained right after the approval
    report = _verify(ctx, final_path)
    assert report.ok, report.checks
    assert [(c.ok, c.detail) for c in report.checks if c.name == "validation"] == [
        (True, f"validated by Sue Super (supervisor), approval event #{approval.seq} right before this certificate")]
    # The name is covered by the station's signature: putting the performer there breaks it.
    envelope["certificate"]["appendix_g"]["validation"]["name"] = "Tia Tech"
    final_path.write_bytes(certificate.file_bytes(envelope))
    assert not _verify(ctx, final_path).ok
    with pytest.raises(UserFacingError, match=f"Certificate {issued.id} is not waiting for validation"):
        certificate.validate(ctx, issued.id, "Sue Super", "4321")


def test_without_the_setting_nothing_waits(configured) -> None:  # type: ignore[no-untyped-def]
    operators.add(configured, "Sue Super", "supervisor", pin="4321")
    issued = certificate.issue(configured, result(), None)
    doc = json.loads(issued.json_path.read_text())["certificate"]
    assert doc["title"] == "Certificate of Sanitization" and "final" not in doc["appendix_g"]["validation"]
    assert _verify(configured, issued.json_path).ok
    with pytest.raises(UserFacingError, match="is not waiting for validation"):
        certificate.validate(configured, issued.id, "Sue Super", "4321")

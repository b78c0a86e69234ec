"""Issue a signed certificate of sanitization (or a signed failure report) for one job.

`issue()` is called by every engine (overwrite, firmware, phone) once its WipeResult
is final. In ONE write transaction it:
  1. reads the head of the station's event chain and names it in the document,
  2. hashes the document in its RFC 8785 (JCS) canonical form,
  3. appends a `certificate.issued` event carrying that hash, so the certificate is
     chained into the event log (and queued for the hub),
  4. signs the canonical form of {certificate, event, signed_at} with the station's
     Ed25519 key: the operator and time the event names are covered too,
  5. writes the JSON file (document + signature + that event) and the PDF, which
     carries the JSON and is itself signed (PAdES, see cert_x509), stores both as
     content-addressed blobs and queues them for upload,
  6. writes the Certificate row and points the unit and the job at it.
A result that is not `sanitized` yields a report titled FAILED/INTERRUPTED, never a
certificate that says sanitized (cert_body decides the wording from result.sanitized).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785
from sqlalchemy import select
from sqlalchemy.orm import Session

from station import atomic, clock, events, unit_media, units
from station.certs import body as cert_body
from station.certs import keys
from station.certs import pdf as cert_pdf
from station.certs import validation as cert_validation
from station.certs import x509 as cert_x509
from station.certs.result import WipeResult
from station.context import StationContext
from station.errors import UserFacingError
from station.i18n import _
from station.models import AppliedConfig, Certificate, Event, Unit, UnitIdentifier, WipeJob


@dataclass(frozen=True)
class IssuedCertificate:
    id: str
    json_path: Path
    pdf_path: Path | None
    sha256: str  # of the canonical signed document: what the QR code and the event carry
    sanitized: bool


CANONICALIZATION = "RFC 8785"
COVERS = ["certificate", "event", "signed_at"]


def canonical_bytes(document: Any) -> bytes:
    """The exact bytes that are hashed and signed: RFC 8785 JSON Canonicalization (JCS)."""
    return bytes(rfc8785.dumps(document))


SAFE_INTEGER = 2**53 - 1


def json_safe(value: Any) -> Any:
    """RFC 8785 (I-JSON) numbers are IEEE doubles: an integer beyond 2^53 (a 64-bit sampling seed)
    is written as its decimal string, so every reader gets the exact value."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > SAFE_INTEGER:
        return str(value)
    return value


def legacy_canonical_bytes(document: dict[str, Any]) -> bytes:
    """What certificates issued before RFC 8785 signed (the document alone, sorted compact JSON)."""
    return events.canonical(document).encode("utf-8")


def signed_statement(envelope: dict[str, Any]) -> bytes:
    """The bytes the signature covers: the document, the event that issued it, the signing time."""
    return canonical_bytes({"certificate": envelope["certificate"], "event": envelope["event"],
                            "signed_at": envelope["signature"]["signed_at"]})


def file_bytes(envelope: dict[str, Any]) -> bytes:
    """The one byte form of a certificate file. The verifier re-derives it, so any changed byte shows."""
    return (json.dumps(envelope, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def event_record(ev: Event) -> dict[str, Any]:
    """Everything needed to recompute the event's hash (events._body + the two hashes)."""
    return {
        "seq": ev.seq, "station": ev.station_id, "unit": ev.unit_uid, "kind": ev.kind,
        "payload": json.loads(ev.payload), "operator": ev.operator_name, "operator_id": ev.operator_id,
        "at": ev.created_at, "prev_hash": ev.prev_hash, "hash": ev.hash,
    }


def _unit_facts(s: Session, unit: Unit) -> dict[str, Any]:
    ids = s.execute(select(UnitIdentifier.kind, UnitIdentifier.value).where(UnitIdentifier.unit_id == unit.id))
    facts: dict[str, Any] = {
        "uid": unit.uid, "device_class": unit.device_class, "make": unit.make, "model": unit.model,
        "serial": unit.serial, "source": unit.source, "lot_ref": unit.lot_ref,
        "identifiers": {kind: value for kind, value in ids if kind != unit_media.MEDIUM},
    }
    if unit_media.attached(s, unit):  # a unit of several media: every one of them, each with its own wipe
        found = unit_media.media(s, unit)
        facts["media"] = [m.facts() for m in found]
        facts["all_media_sanitized"] = all(m.sanitized for m in found)
    return facts


def issue(ctx: StationContext, result: WipeResult, unit_uid: str | None) -> IssuedCertificate:
    """Sign, chain, write and record the certificate (or failure report) for `result`."""
    key = keys.load_or_create(ctx.data)
    cert_id = cert_body.new_id()
    op = ctx.operator
    operator = {"id": op.id, "name": op.name, "role": op.role} if op else None
    dmi = cert_body.host_dmi()
    simulated = cert_body.is_simulated(result, ctx.demo)
    with ctx.store.session() as s:
        unit = units.by_uid(s, unit_uid) if unit_uid else None
        body = cert_body.build(
            ctx.config, result, cert_id=cert_id, station_id=ctx.station_id, operator=operator,
            unit=_unit_facts(s, unit) if unit is not None else None, key_fingerprint=key.fingerprint,
            chain=_chain_head(s, ctx.station_id), dmi=dmi, simulated=simulated,
        )
        job = s.get(WipeJob, result.job_id) if result.job_id else None
        return _seal(ctx, s, key, body, unit, job, {"status": result.status.value, "job_id": result.job_id})


def verify_url(s: Session, ctx: StationContext) -> str:
    """Where the QR code sends a customer: the site's /verify address the hub hands down (a `site` document,
    checked when it was pulled), else this station's own cert.verify_url setting."""
    import tomllib

    body = s.execute(select(AppliedConfig.body).where(AppliedConfig.kind == "site")
                     .order_by(AppliedConfig.applied_at.desc()).limit(1)).scalar_one_or_none()
    if body:
        url = tomllib.loads(body).get("verify_url")
        if isinstance(url, str) and url:
            return url
    return ctx.config.get_str("cert.verify_url")


def _chain_head(s: Session, station_id: str) -> dict[str, Any]:
    head = s.execute(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)).first()
    return {"station": station_id, "prev_event_seq": head[0] if head else 0,
            "prev_event_hash": head[1] if head else events.GENESIS}


def _seal(ctx: StationContext, s: Session, key: keys.StationKey, body: dict[str, Any], unit: Unit | None,
          job: WipeJob | None, facts: dict[str, Any]) -> IssuedCertificate:
    """Steps 2-6 for a built document, inside the caller's write transaction."""
    body = json_safe(json.loads(events.canonical(body)))  # JSON-native values: what is signed is what is read
    cert_id, chain, drive, job_facts = body["id"], body["chain"], body["drive"], body["job"]
    signed = canonical_bytes(body)
    digest = hashlib.sha256(signed).hexdigest()
    ev = events.append(s, ctx.actor, "certificate.issued", {
        "certificate_id": cert_id, "sha256": digest, "sanitized": body["sanitized"],
        "method_type": job_facts["method_type"], "technique": job_facts["technique"], "serial": drive["serial"],
        "key_fingerprint": key.fingerprint, **({"simulated": True} if body.get("simulated") else {}), **facts,
    }, unit)
    if ev.prev_hash != chain["prev_event_hash"]:  # BEGIN IMMEDIATE makes this impossible; guard anyway
        raise RuntimeError("event chain moved while a certificate was being issued")
    envelope: dict[str, Any] = {
        "certificate": body,
        "sha256": digest,
        "signature": {"algorithm": "Ed25519", "canonicalization": CANONICALIZATION, "covers": COVERS,
                      "signed_at": clock.iso(), "public_key": key.public_b64,
                      "key_fingerprint": key.fingerprint, "value": ""},
        "event": json.loads(json.dumps(event_record(ev))),
    }
    envelope["signature"]["value"] = base64.b64encode(key.sign(signed_statement(envelope))).decode("ascii")
    json_bytes = file_bytes(envelope)
    folder = ctx.data.certificates
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / f"{cert_id}.json"
    atomic.write_atomic(json_path, json_bytes, 0o666)
    pdf_bytes = cert_x509.sign_pdf(
        cert_pdf.render(body, digest, json_bytes, logos=_logos(ctx), verify_url=verify_url(s, ctx),
                        language=ctx.config.get_str("site.language")),
        cert_x509.load_or_create(
            ctx.data, key, ctx.station_id),
        reason=f"{body['title']} {cert_id}", location=ctx.config["station.location"])
    pdf_path = folder / f"{cert_id}.pdf"
    atomic.write_atomic(pdf_path, pdf_bytes, 0o666)
    for blob in (json_bytes, pdf_bytes):
        events.enqueue_blob(s, events.store_blob(ctx.data, blob))
    s.add(Certificate(
        id=cert_id, unit_id=unit.id if unit is not None else None, wipe_job_id=job.id if job else None,
        serial=drive["serial"] or None, sanitized=body["sanitized"], method_type=job_facts["method_type"],
        sha256=digest, json_path=str(json_path), pdf_path=str(pdf_path), created_at=clock.iso(),
    ))
    if job is not None:
        job.certificate_id = cert_id
    if unit is not None:
        units.touch(unit, certificate_id=cert_id)
    return IssuedCertificate(cert_id, json_path, pdf_path, digest, bool(body["sanitized"]))


def validate(ctx: StationContext, cert_id: str, name: str, pin: str) -> IssuedCertificate:
    """A second person signs a PENDING certificate: their PIN, an approval event, and the final certificate.

    The validator signs in with their own PIN (a wrong one counts, as at any sign-in) and must not
    be the operator who performed the sanitization. See cert_validation for what is signed.
    """
    from station import operators  # the core's operator store, only needed here

    validator = operators.sign_in_pin(ctx, name, pin)
    with ctx.store.reader() as s:
        row = s.get(Certificate, cert_id)
        done = s.execute(select(Event.seq).where(Event.kind == "certificate.validated", Event.payload.contains(
            f'"certificate_id":"{cert_id}"'))).first()
    if row is None:
        raise UserFacingError(_("This station issued no certificate {cert_id}; check the id ('station cert "
                                "show').").format(cert_id=cert_id))
    envelope = json.loads(Path(row.json_path).read_bytes())
    pending = envelope["certificate"]
    if hashlib.sha256(canonical_bytes(pending)).hexdigest() != row.sha256:
        raise UserFacingError(_("{json_path} is not the certificate this station issued (its content "
                                "changed); nothing was validated. Run 'station cert verify' on it.").format(
                json_path=row.json_path))
    if done is not None or not cert_validation.is_pending(pending):
        raise UserFacingError(
            _("Certificate {cert_id} is not waiting for validation (validated at event #{seq}).").format(
                cert_id=cert_id, seq=done[0]) if done else
            _("Certificate {cert_id} is not waiting for validation.").format(cert_id=cert_id))
    performer = pending.get("operator") or {}
    if performer.get("id") == validator.id or str(performer.get("name", "")).casefold() == validator.name.casefold():
        raise UserFacingError(_("{name} performed this sanitization, so cannot validate it: the site "
                                "requires a second person. Ask another operator to validate it.").format(
                name=validator.name))
    key = keys.load_or_create(ctx.data)
    with ctx.store.session() as s:
        unit = units.by_uid(s, pending["unit"]["uid"]) if pending.get("unit") else None
        approval = events.append(s, ctx.actor, "certificate.validated", {
            "certificate_id": cert_id, "sha256": row.sha256, "validator_id": validator.id,
            "validator": validator.name, "role": validator.role, "performer": performer.get("name"),
        }, unit)
        body = json.loads(json.dumps(pending))
        body["id"], body["issued_at"] = cert_body.new_id(), clock.iso()
        body["title"] = str(body["title"]).removesuffix(cert_validation.PENDING_SUFFIX)
        appendix_g = body["appendix_g"]
        appendix_g["validation"] = cert_validation.approved(
            {"id": validator.id, "name": validator.name, "role": validator.role}, body["organization"]["name"],
            event_record(approval), {"certificate_id": cert_id, "sha256": row.sha256})
        appendix_g["signature"]["date"] = body["issued_at"][:10]
        body["chain"] = _chain_head(s, ctx.station_id)  # the approval: the final certificate follows it
        job = s.get(WipeJob, row.wipe_job_id) if row.wipe_job_id else None
        return _seal(ctx, s, key, body, unit, job, {"status": body["outcome"], "job_id": body["job"]["id"],
                                                    "validates": cert_id})


def _logos(ctx: StationContext) -> list[Path]:
    """Configured logos that exist (customer first); a missing file is left out, not fatal."""
    found = []
    for key in ("cert.customer_logo", "org.logo"):
        value = ctx.config[key]
        if value and Path(value).expanduser().is_file():
            found.append(Path(value).expanduser())
    return found

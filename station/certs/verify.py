"""Check a certificate file (JSON, or the PDF carrying it): form, hash, signature, chain.

Every check reports a line a customer or auditor can read. `ok` is True only when all
of them pass:
  form       the file's bytes are exactly the form the station writes (any edit shows);
  hash       SHA-256 of the RFC 8785 canonical document equals the recorded hash;
  signature  Ed25519 by the trusted station key over the canonical {certificate, event,
             signed_at}: the operator and time in the event cannot be edited either;
  chain      the embedded certificate.issued event recomputes, carries this hash and
             follows the event the signed document names; when the station's event log
             is at hand, that event is in it and the log up to it is intact;
  pdf        for a PDF, its own PAdES signature covers the whole file and chains to the
             trusted key, so the visible pages are checked on any machine.
Certificates issued before RFC 8785 (schema 1) are still checked, and say that their
signature does not cover the event.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from station import events
from station.certs import keys
from station.certs import pdf as cert_pdf
from station.certs import x509 as cert_x509
from station.certs.body import SIMULATED_PREFIX
from station.certs.certificate import (
    CANONICALIZATION,
    canonical_bytes,
    file_bytes,
    legacy_canonical_bytes,
    signed_statement,
)

# (station id, seq) -> the stored event record and whether the log up to it is intact, or None
EventLookup = Callable[[str, int], "tuple[dict[str, Any], events.ChainReport] | None"]


_ENVELOPE = {"certificate", "sha256", "signature", "event"}
_LEGACY_SIGNATURE = {"algorithm", "public_key", "key_fingerprint", "value"}
_SIGNATURE = _LEGACY_SIGNATURE | {"canonicalization", "covers", "signed_at"}
_EVENT = {"seq", "station", "unit", "kind", "payload", "operator", "operator_id", "at", "prev_hash", "hash"}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    envelope: dict[str, Any] | None = None
    simulated: bool = False  # signed as issued for a demo mode's simulated device: it certifies no real erase

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok


def extract(data: bytes) -> tuple[bytes | None, bool]:
    """(the certificate JSON bytes, came from a PDF)."""
    if data.startswith(b"%PDF"):
        return cert_pdf.attachment(data), True
    return data, False


def verify_bytes(data: bytes, *, trusted: Ed25519PublicKey | None, lookup: EventLookup | None = None) -> Report:
    """All checks on one file."""
    report = Report()
    raw, from_pdf = extract(data)
    if raw is None:
        report.add("form", False, "this PDF carries no embedded certificate.json: it is not a station certificate "
                                  "or it was re-saved by another program")
        return report
    try:
        env = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.add("form", False, f"not a readable certificate: {exc}")
        return report
    if not isinstance(env, dict) or set(env) != _ENVELOPE or not isinstance(env["signature"], dict) \
            or set(env["signature"]) not in (_SIGNATURE, _LEGACY_SIGNATURE) or not isinstance(env["event"], dict) \
            or set(env["event"]) != _EVENT or not isinstance(env["certificate"], dict):
        report.add("form", False, "sections are missing or were added: not the layout the station writes")
        return report
    report.envelope = env
    try:
        return _verify_envelope(report, env, raw, data, from_pdf, trusted, lookup)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # Outside data: a field of the wrong type (a list where text was, a number for an object) is a
        # certificate that fails, never a crash of the verifier.
        report.add("form", False, f"a field has the wrong type or is missing ({type(exc).__name__}: {exc}): "
                                  "not as the station writes it")
        return report


def _verify_envelope(report: Report, env: dict[str, Any], raw: bytes, data: bytes, from_pdf: bool,
                     trusted: Ed25519PublicKey | None, lookup: EventLookup | None) -> Report:
    report.add("form", file_bytes(env) == raw,
               "bytes are exactly as written" + (" (embedded in the PDF)" if from_pdf else "")
               if file_bytes(env) == raw else "the file was edited: its bytes differ from the form the station wrote")
    body, sig = env["certificate"], env["signature"]
    legacy = set(sig) == _LEGACY_SIGNATURE
    try:
        signed = legacy_canonical_bytes(body) if legacy else canonical_bytes(body)
        statement = signed if legacy else signed_statement(env)
    except Exception as exc:  # rfc8785 refuses what JCS cannot express (e.g. huge integers)
        report.add("hash", False, f"the document cannot be put in canonical form ({type(exc).__name__})")
        return report
    digest = hashlib.sha256(signed).hexdigest()
    report.add("hash", digest == env["sha256"], f"sha256 {digest}" if digest == env["sha256"]
               else f"the content hashes to {digest}, not the recorded {env['sha256']}: it was altered")
    if not legacy and (sig.get("canonicalization") != CANONICALIZATION or sig.get("covers") != _COVERS):
        report.add("signature", False, "the signature section names a form this station does not sign")
    else:
        _check_signature(report, body, sig, statement, trusted, legacy)
    _check_chain(report, body, env["event"], digest, lookup)
    _check_simulated(report, body, env["event"])
    _check_validation(report, body)
    if from_pdf:
        pdf = cert_x509.check_pdf(data, trusted)
        report.add("pdf", pdf.ok, pdf.detail)
    return report


_COVERS = ["certificate", "event", "signed_at"]


def _check_simulated(report: Report, body: dict[str, Any], ev: dict[str, Any]) -> None:
    """Only the signed document says SIMULATED, and its media and its chained event must agree with it:
    a demo certificate cannot pass for a real one, nor a real one for a demo one. A certificate from
    before the field is SIMULATED when its media was a simulated device."""
    said = body.get("simulated")
    media = (body.get("drive") or {}).get("extra", {}).get("simulated") is True
    chained = (ev.get("payload") or {}).get("simulated") is True
    if said is None and not chained:
        report.simulated = media
    elif said not in (True, False):
        report.add("simulated", False, f"'simulated' is {said!r}, not true or false: not as the station writes it")
        return
    elif said != chained or (media and not said) or said != str(body.get("title")).startswith(SIMULATED_PREFIX):
        report.add("simulated", False, "the document, its title, its media and its chained event disagree on "
                                       "whether it was issued for a simulated device")
        return
    else:
        report.simulated = bool(said)
    if report.simulated:
        report.add("simulated", True, "SIMULATED: issued in demo mode for a simulated device; it certifies no "
                                      "erase of a real device")


def _check_validation(report: Report, body: dict[str, Any]) -> None:
    """A PENDING certificate is not final; a validated one names the approval event it is chained after."""
    validation = body["appendix_g"]["validation"]
    if validation.get("final") is False:
        report.add("validation", False, "PENDING: this site requires a second person's validation, and no one "
                                        "has validated this certificate yet; it is not final")
    elif isinstance(validation.get("signature"), dict):
        sig, chain = validation["signature"], body["chain"]
        ok = sig.get("event_hash") == chain.get("prev_event_hash") and sig.get("event_seq") == chain.get(
            "prev_event_seq")
        report.add("validation", ok, f"validated by {validation.get('name')} ({validation.get('role')}), approval "
                   f"event #{sig.get('event_seq')} right before this certificate" if ok else
                   "the validation names an approval event that is not the one this certificate follows")


def _check_signature(report: Report, body: dict[str, Any], sig: Any, signed: bytes,
                     trusted: Ed25519PublicKey | None, legacy: bool) -> None:
    try:
        public = keys.public_from_b64(sig["public_key"])
        value = base64.b64decode(sig["value"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        report.add("signature", False, f"the signature section is damaged ({exc})")
        return
    if sig.get("algorithm") != "Ed25519":
        report.add("signature", False, f"unknown signature algorithm {sig.get('algorithm')!r}")
        return
    fp = keys.fingerprint(public)
    named = body.get("appendix_g", {}).get("signature", {}).get("key_fingerprint")
    if fp != sig.get("key_fingerprint") or fp != named:
        report.add("signature", False, "the embedded public key does not match the fingerprint in the document")
        return
    if not keys.verify_signature(public, value, signed):
        report.add("signature", False, "the Ed25519 signature does not match the content: it was altered")
        return
    if trusted is None:
        report.add("signature", False, f"signature is valid for key {fp}, but no trusted key was given: pass "
                                       "--key with the station's exported public key")
        return
    if keys.raw_public(trusted) != keys.raw_public(public):
        report.add("signature", False, f"signed by key {fp}, not by the trusted key {keys.fingerprint(trusted)}")
        return
    if legacy:
        report.add("signature", True, f"Ed25519 signature by the trusted station key {fp} (a schema 1 "
                                      "certificate: the signature covers the document, not its event)")
    else:
        report.add("signature", True, f"Ed25519 signature by the trusted station key {fp}, signed "
                                      f"{sig.get('signed_at')}, covering the document and its event")


def _check_chain(report: Report, body: dict[str, Any], ev: Any, digest: str, lookup: EventLookup | None) -> None:
    chain = body.get("chain") or {}
    try:
        record = {k: ev[k] for k in ("seq", "station", "unit", "kind", "payload", "operator", "operator_id", "at")}
        recomputed = events.event_hash(ev["prev_hash"], record)
    except (KeyError, TypeError) as exc:
        report.add("chain", False, f"the embedded event is incomplete ({exc})")
        return
    problems = []
    if recomputed != ev.get("hash"):
        problems.append("the embedded event does not hash to its recorded hash")
    payload = ev.get("payload") or {}
    if ev.get("kind") != "certificate.issued" or payload.get("certificate_id") != body.get("id"):
        problems.append("the embedded event is not the issue of this certificate")
    if payload.get("sha256") != digest:
        problems.append("the event log recorded a different certificate hash")
    if ev.get("prev_hash") != chain.get("prev_event_hash") or ev.get("seq") != chain.get("prev_event_seq", -2) + 1 \
            or ev.get("station") != chain.get("station"):
        problems.append("the event does not follow the chain position the signed document names")
    if problems:
        report.add("chain", False, "; ".join(problems))
        return
    if lookup is None:
        report.add("chain", True, f"linked as event #{ev['seq']} of station {ev['station']} "
                                  "(station event log not consulted here)")
        return
    found = lookup(str(ev["station"]), int(ev["seq"]))
    if found is None:
        report.add("chain", True, f"linked as event #{ev['seq']} of station {ev['station']}: another station's "
                                  "certificate (that station's log is not in this data dir)")
        return
    stored, walk = found
    if stored.get("missing"):
        report.add("chain", False, f"event #{ev['seq']} is missing from this station's own event log (it ends at "
                                   f"#{stored.get('last_seq')}): events were lost or deleted; run 'station db check'")
    elif stored.get("hash") != ev["hash"]:
        report.add("chain", False, f"event #{ev['seq']} in the station log differs from the certificate's")
    elif not walk.ok:
        report.add("chain", False, f"the station event log is broken before this certificate: {walk.problem}")
    else:
        report.add("chain", True, f"event #{ev['seq']} is in the station log; {walk.checked} events verified")

"""PAdES signatures on certificate PDFs, checkable by any PDF reader, pyHanko or openssl.

The station's Ed25519 key (the one customers know by its fingerprint) is the root: it
signs a self-signed CA certificate, and with it a P-256 ECDSA certificate for signing
PDFs. PDF readers and OpenSSL 3.0's CMS handle ECDSA signatures everywhere, while
Ed25519 inside CMS is not yet widely verified; the chain keeps the trust in the one key
customers already hold. Every PDF is signed over its whole file, so an edited page,
an overlay added as an incremental update, or a changed attachment breaks it.
"""

from __future__ import annotations

import datetime
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import NameOID

from station.certs import keys
from station.errors import UserFacingError
from station.i18n import _
from station.paths import DataDir

ROOT_CERT = "station-ed25519.crt.pem"  # what customers import as the trust anchor
LEAF_KEY = "pdf-signing-p256.pem"
LEAF_CERT = "pdf-signing.crt.pem"
FIELD = "StationSignature"
YEARS = 30


@dataclass(frozen=True)
class PdfIdentity:
    root: x509.Certificate
    leaf: x509.Certificate
    leaf_key: ec.EllipticCurvePrivateKey


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "triage-station")])


def _builder(subject: x509.Name, issuer: x509.Name, public: object) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365 * YEARS)))


def root_pem(data: DataDir, key: keys.StationKey, station_id: str) -> bytes:
    """The CA certificate customers import to check PDFs (made now if no certificate was issued yet)."""
    return load_or_create(data, key, station_id).root.public_bytes(serialization.Encoding.PEM)


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    """A CA signs certificates only; the PDF-signing certificate signs documents only."""
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=not cert_sign, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
                         encipher_only=False, decipher_only=False)


def _write(path: Path, content: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())


def load_or_create(data: DataDir, key: keys.StationKey, station_id: str) -> PdfIdentity:
    """The station's CA and PDF-signing certificates, made once beside its key."""
    folder = data.keys
    root_path, leaf_key_path, leaf_path = folder / ROOT_CERT, folder / LEAF_KEY, folder / LEAF_CERT
    if not (root_path.exists() and leaf_key_path.exists() and leaf_path.exists()):
        for p in (root_path, leaf_key_path, leaf_path):
            p.unlink(missing_ok=True)
        root_name = _name(f"Triage station {station_id}")
        root = (_builder(root_name, root_name, key.public)
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(_usage(cert_sign=True), critical=True)
                .sign(key.private, None))
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = (_builder(_name(f"Triage station {station_id} certificates"), root_name, leaf_key.public_key())
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_usage(cert_sign=False), critical=True)
                .sign(key.private, None))
        _write(leaf_key_path, leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()), 0o600)
        _write(root_path, root.public_bytes(serialization.Encoding.PEM), 0o644)
        _write(leaf_path, leaf.public_bytes(serialization.Encoding.PEM), 0o644)
    root = x509.load_pem_x509_certificate(root_path.read_bytes())
    leaf = x509.load_pem_x509_certificate(leaf_path.read_bytes())
    private = serialization.load_pem_private_key(leaf_key_path.read_bytes(), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(root.public_key(), Ed25519PublicKey) \
            or keys.raw_public(root.public_key()) != keys.raw_public(key.public):  # type: ignore[arg-type]
        raise UserFacingError(_("The PDF signing certificates in {folder} do not belong to the station key. "
                                "Move {ROOT_CERT}, {LEAF_CERT} and {LEAF_KEY} away; they are made again.").format(
                folder=folder, ROOT_CERT=ROOT_CERT, LEAF_CERT=LEAF_CERT, LEAF_KEY=LEAF_KEY))
    return PdfIdentity(root, leaf, private)


def _quiet_imports() -> None:
    """pyHanko imports cryptography's DSA module, which warns on every import; DSA is never used here."""
    import warnings

    from cryptography.utils import CryptographyDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        import pyhanko.sign.signers.pdf_cms  # noqa: F401


def _asn1(cert: x509.Certificate) -> Any:  # asn1crypto ships no types
    from asn1crypto import x509 as ax509

    return ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(pdf: bytes, ident: PdfIdentity, *, reason: str, location: str) -> bytes:
    """The PDF with a PAdES baseline signature over the whole file; the signing time is in it."""
    _quiet_imports()
    from asn1crypto import keys as akeys
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    pkcs8 = ident.leaf_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
    signer = signers.SimpleSigner(signing_cert=_asn1(ident.leaf), signing_key=akeys.PrivateKeyInfo.load(pkcs8),
                                  cert_registry=SimpleCertificateStore.from_certs([_asn1(ident.root)]))
    meta = signers.PdfSignatureMetadata(field_name=FIELD, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
                                        reason=reason, location=location or None)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return out.getvalue()


@dataclass(frozen=True)
class PdfCheck:
    ok: bool
    detail: str
    signed_at: str = ""


def check_pdf(data: bytes, trusted: Ed25519PublicKey | None) -> PdfCheck:
    """The PDF's own signature: intact, over the whole file, chained to the trusted station key."""
    _quiet_imports()
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        sigs = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception as exc:  # a damaged file raises many types; all mean "unreadable"
        return PdfCheck(False, f"the PDF cannot be read ({type(exc).__name__})")
    if len(sigs) != 1:
        return PdfCheck(False, "the PDF carries no station signature" if not sigs
                        else f"the PDF carries {len(sigs)} signatures, not the station's one")
    sig = sigs[0]
    roots = [c for c in sig.other_embedded_certs if c.public_key.algorithm == "ed25519"]
    if trusted is not None:
        want = keys.raw_public(trusted)
        roots = [c for c in roots if c.public_key["public_key"].native == want]
    if not roots:
        return PdfCheck(False, "the PDF is not signed under the trusted station key" if trusted is not None
                        else "no trusted key was given: pass --key with the station's exported public key")
    try:
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=roots, allow_fetching=False))
    except (SigningError, ValueError, KeyError) as exc:
        return PdfCheck(False, f"the PDF signature cannot be validated ({exc})")
    when = status.signer_reported_dt.isoformat() if status.signer_reported_dt else ""
    if not (status.intact and status.valid):
        return PdfCheck(False, "the PDF signature does not match the file: its pages or attachments were edited")
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        return PdfCheck(False, "the PDF was changed after it was signed (content added after the signature)")
    if not status.trusted:
        return PdfCheck(False, "the PDF signing certificate does not chain to the station key")
    return PdfCheck(True, f"PAdES signature over the whole file, signed {when} under the trusted station key", when)

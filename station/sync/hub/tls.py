"""The hub's own TLS certificate: made once on first start, kept in the data dir, named by its fingerprint.

A station pins that fingerprint (sync.hub_fingerprint) instead of trusting a CA: it reads
the certificate the hub presents once, compares its sha256, and from then on trusts
exactly that certificate, so the token never goes to anyone else.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from station.hub_trust import fingerprint, normalise

__all__ = ["ensure_certificate", "fingerprint", "normalise", "pem_fingerprint"]
VALID_DAYS = 3650  # pinned by fingerprint, not by a CA: rotating it means re-pinning every station


def pem_fingerprint(cert_pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem)
    return fingerprint(cert.public_bytes(serialization.Encoding.DER))


def ensure_certificate(folder: Path, hosts: list[str] | None = None) -> tuple[Path, Path, str]:
    """(cert, key, fingerprint) in `folder`, made on first use (key 0600)."""
    cert_path, key_path = folder / "hub-cert.pem", folder / "hub-key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path, pem_fingerprint(cert_path.read_bytes())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    names = {"localhost", socket.gethostname(), "127.0.0.1", "::1", *(hosts or [])}
    sans: list[x509.GeneralName] = []
    for n in sorted(names):
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            sans.append(x509.DNSName(n))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"triage hub {socket.gethostname()}"[:64])])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256()))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path, fingerprint(cert.public_bytes(serialization.Encoding.DER))

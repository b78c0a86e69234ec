"""The station's Ed25519 signing key for certificates.

The private key is created on first use in DataDir.keys, readable only by its owner
(0600, in a 0700 folder), or on a shared bench by the station's group too (0640, in a 0750
folder), because the app signs as whichever technician is signed in. Customers get the public
key (PEM) and its fingerprint, so they can check a certificate without trusting the station or
its operator.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from station import atomic
from station.errors import UserFacingError
from station.i18n import _
from station.paths import DataDir

PRIVATE_NAME = "station-ed25519.pem"
PUBLIC_NAME = "station-ed25519.pub.pem"


def fingerprint(public: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, as colon-grouped hex (short enough to read out)."""
    digest = hashlib.sha256(raw_public(public)).hexdigest()
    return ":".join(digest[i:i + 4] for i in range(0, 64, 4))


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_pem(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise UserFacingError(_("{path} is not a readable public key file ({exc}); export it again with "
                                "'station cert export-key'.").format(path=path, exc=exc)) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise UserFacingError(_("{path} holds a public key that is not Ed25519; certificates are signed "
                                "with Ed25519.").format(path=path))
    return key


def verify_signature(public: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class StationKey:
    private: Ed25519PrivateKey
    path: Path

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(raw_public(self.public)).decode("ascii")

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def load_or_create(data: DataDir) -> StationKey:
    """The station key, created (0600) the first time it is needed."""
    folder = data.keys
    folder.mkdir(parents=True, exist_ok=True, mode=0o750 if data.shared else 0o700)
    mode = 0o640 if data.shared else 0o600
    path = folder / PRIVATE_NAME
    if path.exists():
        return StationKey(_load_private(path, mode), path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    # Written whole under a temporary name, then linked exclusively: a full disk leaves no
    # 0-byte key behind, and if two processes race on first run one key wins and the other reads it.
    try:
        if not atomic.write_atomic(path, pem, mode, exclusive=True):
            return StationKey(_load_private(path, mode), path)
        atomic.write_atomic(folder / PUBLIC_NAME, public_pem(key.public_key()))
    except OSError as exc:
        raise atomic.write_error(path, exc, "the station signing key") from exc
    return StationKey(key, path)


def _load_private(path: Path, allowed: int = 0o600) -> Ed25519PrivateKey:
    mode = path.stat().st_mode & 0o777
    if mode & ~allowed:
        # Tighten rather than refuse: a key copied in by hand often arrives 0644. Another account's key
        # on a shared bench cannot be chmod-ed by us; its owner's next start tightens it.
        with contextlib.suppress(PermissionError):
            os.chmod(path, allowed)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise UserFacingError(
            _("The station signing key {path} cannot be read ({exc}). Restore it from backup; a new key "
              "would not match the fingerprint customers already have.").format(path=path, exc=exc)
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UserFacingError(_("The station signing key {path} is not an Ed25519 key. Restore the original "
                                "key file.").format(path=path))
    return key

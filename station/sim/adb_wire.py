"""The ADB wire protocol as a phone's adbd speaks it: 24-byte headers, v1 checksums, AUTH keys.

Only what the simulated phone needs. A message is six little-endian uint32 words
(command, arg0, arg1, data length, data checksum, command ^ 0xffffffff) followed by
the payload. Protocol version 0x01000000 ("v1") carries a checksum (the byte sum of the
payload) that both ends must check; 0x01000001 lets both ends skip it.
"""

from __future__ import annotations

import base64
import socket
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed


def _cmd(name: bytes) -> int:
    return int(struct.unpack("<I", name)[0])


A_CNXN, A_AUTH, A_OPEN = _cmd(b"CNXN"), _cmd(b"AUTH"), _cmd(b"OPEN")
A_OKAY, A_CLSE, A_WRTE, A_SYNC = _cmd(b"OKAY"), _cmd(b"CLSE"), _cmd(b"WRTE"), _cmd(b"SYNC")
NAMES = {A_CNXN: "CNXN", A_AUTH: "AUTH", A_OPEN: "OPEN", A_OKAY: "OKAY", A_CLSE: "CLSE", A_WRTE: "WRTE",
         A_SYNC: "SYNC"}

VERSION_V1 = 0x01000000  # checksummed
VERSION_SKIP_CHECKSUM = 0x01000001
MAX_PAYLOAD_V1 = 4096
MAX_PAYLOAD = 256 * 1024

AUTH_TOKEN, AUTH_SIGNATURE, AUTH_RSAPUBLICKEY = 1, 2, 3
TOKEN_SIZE = 20

HEADER = struct.Struct("<6I")

# shell protocol v2 packet ids (header: 1-byte id + 4-byte little-endian length)
SHELL_STDIN, SHELL_STDOUT, SHELL_STDERR, SHELL_EXIT, SHELL_CLOSE_STDIN = 0, 1, 2, 3, 4


class ProtocolError(Exception):
    """The host sent something that is not a valid ADB message."""


@dataclass
class Message:
    command: int
    arg0: int = 0
    arg1: int = 0
    payload: bytes = b""

    @property
    def name(self) -> str:
        return NAMES.get(self.command, f"0x{self.command:08x}")


def checksum(payload: bytes) -> int:
    """The v1 data checksum: the sum of the payload's bytes, modulo 2**32."""
    return sum(payload) & 0xFFFFFFFF


def pack(msg: Message) -> bytes:
    """Header + payload. Checksums are always sent: a v1 host needs them, a newer one ignores them."""
    return HEADER.pack(msg.command, msg.arg0, msg.arg1, len(msg.payload), checksum(msg.payload),
                       msg.command ^ 0xFFFFFFFF) + msg.payload


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return bytes(buf)


def read_message(sock: socket.socket, *, verify_checksum: bool, max_payload: int = MAX_PAYLOAD) -> Message:
    """Read one message; a bad magic, an oversized payload or a wrong v1 checksum is a ProtocolError."""
    command, arg0, arg1, length, check, magic = HEADER.unpack(_recv_exact(sock, HEADER.size))
    if magic != command ^ 0xFFFFFFFF:
        raise ProtocolError(f"bad magic for command 0x{command:08x}")
    if length > max(max_payload, MAX_PAYLOAD_V1):
        raise ProtocolError(f"payload of {length} bytes is over the {max_payload} agreed")
    payload = _recv_exact(sock, length) if length else b""
    if verify_checksum and checksum(payload) != check:
        raise ProtocolError(f"{NAMES.get(command, command)}: checksum {check} != {checksum(payload)}")
    return Message(command, arg0, arg1, payload)


def banner(state: str, props: dict[str, str], features: list[str]) -> bytes:
    """The CNXN identity string: 'device::ro.product.name=..;..;features=shell_v2,cmd'."""
    keys = ("ro.product.name", "ro.product.model", "ro.product.device")
    parts = [f"{k}={props.get(k, '')}" for k in keys]
    parts.append("features=" + ",".join(features))
    return f"{state}::{';'.join(parts)}".encode()


def parse_service(payload: bytes) -> tuple[str, list[str], str]:
    """'shell,v2,raw:getprop\\0' -> ('shell', ['v2', 'raw'], 'getprop')."""
    text = payload.rstrip(b"\0").decode("utf-8", "replace")
    head, _, arg = text.partition(":")
    name, *options = head.split(",")
    return name, options, arg


def shell_packet(packet_id: int, data: bytes) -> bytes:
    return struct.pack("<BI", packet_id, len(data)) + data


# --- AUTH: the host's RSA public key in Android's mincrypt layout -------------------------------

_WORDS = 64  # 2048-bit keys


def parse_android_pubkey(payload: bytes) -> rsa.RSAPublicKey:
    """Decode 'BASE64 user@host\\0': struct {u32 words; u32 n0inv; u32 n[64]; u32 rr[64]; u32 e}."""
    text = payload.rstrip(b"\0").split(b" ", 1)[0]
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ProtocolError("public key is not base64") from exc
    if len(raw) != 4 * (3 + 2 * _WORDS):
        raise ProtocolError(f"public key is {len(raw)} bytes, not an RSA-2048 Android key")
    words = struct.unpack_from("<I", raw, 0)[0]
    if words != _WORDS:
        raise ProtocolError(f"public key has {words} words, expected {_WORDS}")
    modulus = int.from_bytes(raw[8 : 8 + 4 * _WORDS], "little")
    exponent = struct.unpack_from("<I", raw, 8 + 8 * _WORDS)[0]
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def signature_matches(key: rsa.RSAPublicKey, token: bytes, signature: bytes) -> bool:
    """adb signs the 20-byte token as if it were a SHA-1 digest (RSA PKCS#1 v1.5)."""
    try:
        key.verify(signature, token, padding.PKCS1v15(), Prehashed(hashes.SHA1()))
    except (InvalidSignature, ValueError):
        return False
    return True

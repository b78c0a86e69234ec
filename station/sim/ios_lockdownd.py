"""The simulated iPhone's lockdownd: plist requests over a usbmuxd-relayed socket, TLS after StartSession.

Frames are a 4-byte big-endian length and an XML plist, as on port 62078 of a real device.
Before a session lockdownd answers QueryType, GetValue for its public values, and Pair;
StartSession with the HostID of a pair record it accepted switches the same socket to TLS,
where the device presents the certificate the host made for it and requires the host
certificate of that pair record, signed by its root. Errors use lockdownd's names
(InvalidHostID, PasswordProtected, PairingDialogResponsePending, MissingValue...), which
is what clients branch on.
"""

from __future__ import annotations

import datetime
import logging
import plistlib
import socket
import ssl
import struct
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from station.sim.ios_models import PUBLIC_KEYS, SERVICES, IPhoneModel

log = logging.getLogger(__name__)

LOCKDOWN_PORT = 62078
# The simulated device's keys and the pair records usbmuxd keeps for it. Devices have used 1024- and
# 2048-bit RSA; the handshake and its checks are the same, and 1024-bit keys are made ~8x faster.
KEY_BITS = 1024


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert(subject: str, public_key: Any, issuer: str, signer: rsa.RSAPrivateKey, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer, hashes.SHA256()))


def make_pair_record(device_key: rsa.RSAPrivateKey, system_buid: str) -> dict[str, Any]:
    """A pair record as a host keeps it after the user tapped Trust: root, host and device certificates."""
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    host_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    root = _cert("Root", root_key.public_key(), "Root", root_key, ca=True)
    pem = serialization.Encoding.PEM
    return {
        "RootCertificate": root.public_bytes(pem), "RootPrivateKey": _pem_key(root_key),
        "HostCertificate": _cert("Host", host_key.public_key(), "Root", root_key, ca=False).public_bytes(pem),
        "HostPrivateKey": _pem_key(host_key),
        "DeviceCertificate": _cert("Device", device_key.public_key(), "Root", root_key, ca=False).public_bytes(pem),
        "HostID": str(uuid.uuid4()).upper(), "SystemBUID": system_buid, "EscrowBag": uuid.uuid4().bytes * 2,
        "WiFiMACAddress": "a4:83:e7:12:34:56",
    }


@dataclass
class Lockdownd:
    """The device side: its key, the hosts it trusts, and the technician's hand on its screen."""

    model: IPhoneModel
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537,
                                                                                    key_size=2048))
    trusted_hosts: dict[str, dict[str, Any]] = field(default_factory=dict)  # HostID -> pair record it accepted
    trust_tapped: bool = False
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Ports of services started by StartService -> (service name, the session's pair record)
    services: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    next_port: int = 49152

    def __post_init__(self) -> None:
        if self.model.trust_prompt == "accept":
            self.trust_tapped = True

    def public_key_pem(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)

    def trust(self, record: dict[str, Any]) -> None:
        self.trusted_hosts[str(record["HostID"])] = record

    def tap_trust(self) -> None:
        """The technician unlocks the phone and taps Trust on "Trust This Computer?"."""
        self.model.passcode_locked = False
        self.trust_tapped = True

    def serve(self, sock: socket.socket) -> None:
        """Answer one host connection until it closes."""
        conn: socket.socket | ssl.SSLSocket = sock
        session: dict[str, Any] | None = None  # the pair record of the session, once started
        try:
            while True:
                request = read_plist(conn)
                if request is None:
                    return
                name = str(request.get("Request", ""))
                with self.lock:
                    self.requests.append(name)
                    reply, record = self._answer(name, request, session)
                write_plist(conn, reply)
                if record is not None:
                    conn = self.start_tls(conn, record)
                    session = record
        except (OSError, ssl.SSLError, plistlib.InvalidFileException) as exc:
            log.debug("lockdownd connection ended: %s", exc)
        finally:
            conn.close()

    def _answer(self, name: str, request: dict[str, Any],
                session: dict[str, Any] | None) -> tuple[dict[str, Any], Any]:
        reply: dict[str, Any] = {"Request": name}
        if name == "QueryType":
            return {**reply, "Type": "com.apple.mobile.lockdown"}, None
        if name == "GetValue":
            return {**reply, **self._get_value(request, session is not None)}, None
        if name == "Pair":
            return {**reply, **self._pair(request)}, None
        if name == "StartSession":
            record = self.trusted_hosts.get(str(request.get("HostID")))
            if record is None:
                return {**reply, "Error": "InvalidHostID"}, None
            return {**reply, "SessionID": str(uuid.uuid4()).upper(), "EnableSessionSSL": True}, record
        if name == "StartService":
            return {**reply, **self._start_service(request, session)}, None
        if name == "StopSession":
            return {**reply, "Result": "Success"}, None
        return {**reply, "Error": "InvalidRequest"}, None

    def _get_value(self, request: dict[str, Any], session: bool) -> dict[str, Any]:
        domain, key = request.get("Domain"), request.get("Key")
        if domain:
            values = self.model.domains.get(str(domain))
            if values is None:
                return {"Error": "MissingValue"} if session else {"Error": "GetProhibited"}
        else:
            values = {**self.model.values, "DevicePublicKey": self.public_key_pem()}
        if not session:
            if domain:
                return {"Error": "GetProhibited"}
            values = {k: v for k, v in values.items() if k in PUBLIC_KEYS}
        if key:
            return {"Key": key, "Value": values[key]} if key in values else {"Error": "MissingValue"}
        return {"Value": values}

    def _start_service(self, request: dict[str, Any], session: dict[str, Any] | None) -> dict[str, Any]:
        service = str(request.get("Service", ""))
        if session is None:
            return {"Error": "InvalidService" if service not in SERVICES else "SessionInactive"}
        if service not in SERVICES:
            return {"Error": "InvalidService"}
        port, self.next_port = self.next_port, self.next_port + 1
        self.services[port] = (service, session)
        return {"Service": service, "Port": port, "EnableServiceSSL": True}

    def _pair(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.model.passcode_locked:
            return {"Error": "PasswordProtected"}
        if self.model.trust_prompt == "deny":
            return {"Error": "UserDeniedPairing"}
        if not self.trust_tapped:
            return {"Error": "PairingDialogResponsePending"}
        record = dict(request.get("PairRecord") or {})
        if "HostID" not in record or "HostCertificate" not in record or "DeviceCertificate" not in record:
            return {"Error": "InvalidPairRecord"}
        self.trust(record)
        return {"EscrowBag": uuid.uuid4().bytes * 2}

    def start_tls(self, conn: socket.socket | ssl.SSLSocket, record: dict[str, Any]) -> ssl.SSLSocket:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_ciphers("ALL:!aNULL:!eNULL:@SECLEVEL=0")
        with tempfile.TemporaryDirectory() as tmp:
            chain, host = Path(tmp, "device.pem"), Path(tmp, "host.pem")
            chain.write_bytes(bytes(record["DeviceCertificate"]) + b"\n" + _pem_key(self.key))
            host.write_bytes(bytes(record["HostCertificate"]))
            context.load_cert_chain(chain)
            # Only the host holding that pair record's host key gets a session, as on a device. The
            # host certificate itself is the trust anchor: libimobiledevice-style chains have empty
            # names, so OpenSSL would take the host certificate for a self-signed one and refuse it.
            context.verify_mode = ssl.CERT_REQUIRED
            context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
            context.load_verify_locations(host)
        return context.wrap_socket(conn, server_side=True)


def _recv_exactly(conn: socket.socket | ssl.SSLSocket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_plist(conn: socket.socket | ssl.SSLSocket) -> dict[str, Any] | None:
    head = _recv_exactly(conn, 4)
    if head is None:
        return None
    body = _recv_exactly(conn, struct.unpack(">I", head)[0])
    if body is None:
        return None
    loaded = plistlib.loads(body)
    return loaded if isinstance(loaded, dict) else {}


def write_plist(conn: socket.socket | ssl.SSLSocket, message: dict[str, Any]) -> None:
    body = plistlib.dumps(message)
    conn.sendall(struct.pack(">I", len(body)) + body)

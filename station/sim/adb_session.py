"""One host connection to the simulated adbd: handshake, AUTH, and the streams opened on it."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers

from station.sim import adb_wire as w
from station.sim.adb_shell import SILENT, SimShell

if TYPE_CHECKING:
    from station.sim.adb_phone import SimulatedPhone

log = logging.getLogger(__name__)

_STATE_BANNER = {"android": "device", "recovery": "recovery", "sideload": "sideload"}


class _Stream:
    def __init__(self, local: int, remote: int) -> None:
        self.local, self.remote = local, remote
        self.ready = threading.Event()
        self.closed = threading.Event()


class AdbdConnection:
    def __init__(self, phone: SimulatedPhone, sock: socket.socket) -> None:
        self.phone = phone
        self.sock = sock
        self.version = w.VERSION_V1  # until the host's CNXN says otherwise
        self.max_payload = w.MAX_PAYLOAD_V1
        self.online = False
        self._send_lock = threading.Lock()
        self._token = b""
        self._pending_key: tuple[int, int] | None = None
        self._streams: dict[int, _Stream] = {}
        self._next_id = 1
        self._closed = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name=f"adbd-conn-{self.phone.port}", daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        for stream in self._streams.values():
            stream.closed.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def send(self, msg: w.Message) -> None:
        log.debug("adbd %s >> %s %d %d %r", self.phone.port, msg.name, msg.arg0, msg.arg1, msg.payload[:200])
        with self._send_lock:
            self.sock.sendall(w.pack(msg))

    def _run(self) -> None:
        try:
            while not self._closed.is_set():
                # Old adbd checks every checksum; Android 9+ checks none, not even the handshake's (the
                # adb 29 server's own reconnect sends CNXN with checksum 0 once it has seen a new phone).
                msg = w.read_message(self.sock, verify_checksum=self.phone.model.protocol_version == w.VERSION_V1,
                                     max_payload=self.max_payload)
                log.debug("adbd %s << %s %d %d %r", self.phone.port, msg.name, msg.arg0, msg.arg1, msg.payload[:200])
                self._handle(msg)
        except (EOFError, OSError):
            pass
        except w.ProtocolError as exc:
            log.warning("simulated phone %s dropped a host that broke the protocol: %s", self.phone.serial, exc)
        finally:
            self.close()
            self.phone.forget(self)

    def _handle(self, msg: w.Message) -> None:
        if msg.command == w.A_CNXN:
            self.version = min(msg.arg0, self.phone.model.protocol_version)
            self.max_payload = min(msg.arg1, self.phone.model.max_payload)
            if self.phone.mode == "android" and self.phone.model.auth != "none":
                self._send_token()
            else:
                self._send_connect()
        elif msg.command == w.A_AUTH:
            self._handle_auth(msg)
        elif not self.online:
            return
        elif msg.command == w.A_OPEN and msg.arg0 and not msg.arg1:
            self._open(msg.arg0, msg.payload)
        elif msg.command == w.A_OKAY and msg.arg1 in self._streams:
            self._streams[msg.arg1].ready.set()
        elif msg.command == w.A_WRTE and msg.arg1 in self._streams:
            self.send(w.Message(w.A_OKAY, msg.arg1, msg.arg0))  # stdin and close-stdin packets: taken, ignored
        elif msg.command == w.A_CLSE and msg.arg1 in self._streams:
            self._streams.pop(msg.arg1).closed.set()

    # --- AUTH ------------------------------------------------------------------------------------

    def _send_token(self) -> None:
        self._token = os.urandom(w.TOKEN_SIZE)
        self.send(w.Message(w.A_AUTH, w.AUTH_TOKEN, 0, self._token))

    def _handle_auth(self, msg: w.Message) -> None:
        if msg.arg0 == w.AUTH_SIGNATURE:
            for e, n in self.phone.authorized_keys:
                if w.signature_matches(RSAPublicNumbers(e, n).public_key(), self._token, msg.payload):
                    self._send_connect()
                    return
            self._send_token()
        elif msg.arg0 == w.AUTH_RSAPUBLICKEY:
            numbers = w.parse_android_pubkey(msg.payload).public_numbers()
            self._pending_key = (numbers.e, numbers.n)
            self.phone.history.append("usb debugging prompt shown")
            if self.phone.model.auth == "accept":
                threading.Timer(self.phone.model.auth_delay_s, self.accept_pending_key).start()

    def accept_pending_key(self) -> None:
        key, self._pending_key = self._pending_key, None
        if key is None or self._closed.is_set():
            return
        if key not in self.phone.authorized_keys:
            self.phone.authorized_keys.append(key)
        self.phone.history.append("usb debugging allowed")
        with contextlib.suppress(OSError):
            self._send_connect()

    def _send_connect(self) -> None:
        model = self.phone.model
        state = _STATE_BANNER.get(self.phone.mode, "device")
        self.online = True
        self.send(w.Message(w.A_CNXN, model.protocol_version, self.max_payload,
                            w.banner(state, model.props, model.features)))

    # --- streams -------------------------------------------------------------------------------

    def _open(self, remote: int, payload: bytes) -> None:
        name, options, arg = w.parse_service(payload)
        if self.phone.mode == "sideload" or name not in ("shell", "reboot"):
            self.send(w.Message(w.A_CLSE, 0, remote))  # adbd refuses services it does not run
            return
        stream = _Stream(self._next_id, remote)
        self._next_id += 1
        self._streams[stream.local] = stream
        self.send(w.Message(w.A_OKAY, stream.local, remote))
        if name == "reboot":
            self.send(w.Message(w.A_CLSE, stream.local, remote))
            threading.Timer(0.05, self.phone.reboot, args=(arg or "android",)).start()
            return
        threading.Thread(target=self._shell, args=(stream, "v2" in options, arg), daemon=True).start()

    def _shell(self, stream: _Stream, v2: bool, command: str) -> None:
        def reboot_later(target: str, wipe: bool) -> None:
            threading.Timer(0.2, self.phone.reboot, args=(target, wipe)).start()

        shell = SimShell(self.phone.state, reboot_later, recovery=self.phone.mode == "recovery")
        out, status = shell.run(command)
        try:
            if status == SILENT:
                stream.closed.wait()  # answers nothing, ever: the host has to give up
                return
            if v2:
                self._write(stream, w.shell_packet(w.SHELL_STDOUT, out) if out else b"")
                self._write(stream, w.shell_packet(w.SHELL_EXIT, bytes([status & 0xFF])))
            else:
                self._write(stream, out)
            if not stream.closed.is_set():
                self.send(w.Message(w.A_CLSE, stream.local, stream.remote))
        except OSError:
            pass
        finally:
            self._streams.pop(stream.local, None)

    def _write(self, stream: _Stream, data: bytes) -> None:
        """WRTE in chunks the host agreed to, each waiting for the host's OKAY (adb's flow control)."""
        for off in range(0, len(data), self.max_payload):
            if stream.closed.is_set():
                return
            stream.ready.clear()
            self.send(w.Message(w.A_WRTE, stream.local, stream.remote, data[off : off + self.max_payload]))
            if not stream.ready.wait(10) and not stream.closed.is_set():
                raise OSError("host stopped acknowledging writes")

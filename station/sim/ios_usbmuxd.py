"""A usbmuxd on a UNIX socket with simulated iPhones behind it: the plist protocol, as Debian's usbmuxd speaks it.

Packets are a 16-byte little-endian header (length, version 1, message 8 = plist, tag)
and an XML plist. ReadBUID, ListDevices, Listen (Attached/Detached events for as long as
the client stays), ReadPairRecord/SavePairRecord/DeletePairRecord (the records usbmuxd
keeps for the host) and Connect: after a Connect's Result 0 the same socket carries the
device's port, here lockdownd's 62078. Any client that honours USBMUXD_SOCKET_ADDRESS
(pymobiledevice3, libimobiledevice's tools) reaches the devices through it unmodified.

The technician's hands are methods: plug(), unplug(), and the devices' own tap_trust().
"""

from __future__ import annotations

import contextlib
import logging
import os
import plistlib
import socket
import struct
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.sim.ios_lockdownd import LOCKDOWN_PORT, Lockdownd, make_pair_record
from station.sim.ios_models import MODELS, IPhoneModel
from station.sim.ios_services import serve_service

log = logging.getLogger(__name__)

PLIST_VERSION, PLIST_MESSAGE = 1, 8
RESULT_OK, RESULT_BADDEV, RESULT_CONNREFUSED = 0, 2, 3
_HEADER = struct.Struct("<IIII")


@dataclass
class SimulatedIPhone:
    device_id: int
    lockdownd: Lockdownd
    plugged: bool = True
    answering: bool = True  # False while it boots or erases: on the bus, but lockdownd refuses connections

    @property
    def udid(self) -> str:
        return self.lockdownd.model.udid

    def properties(self) -> dict[str, Any]:
        return {"ConnectionType": "USB", "DeviceID": self.device_id, "LocationID": 0x14100000 + self.device_id,
                "ProductID": 0x12A8, "SerialNumber": self.udid, "USBSerialNumber": self.udid.replace("-", ""),
                "ConnectionSpeed": 480000000}


class SimulatedUsbmuxd:
    def __init__(self, path: Path | None = None) -> None:
        self._tmp = None if path is not None else tempfile.mkdtemp(prefix="usbmuxd-")
        self.path = path or Path(self._tmp or ".", "usbmuxd")
        self.buid = str(uuid.uuid4()).upper()
        self.devices: list[SimulatedIPhone] = []
        self.pair_records: dict[str, bytes] = {}  # UDID -> plist, as usbmuxd keeps them in /var/lib/lockdown
        self._listeners: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server: socket.socket | None = None

    @property
    def address(self) -> str:
        """The value for USBMUXD_SOCKET_ADDRESS."""
        return str(self.path)

    def start(self) -> SimulatedUsbmuxd:
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(self.path))
        self._server.listen(16)
        threading.Thread(target=self._accept, name="usbmuxd-sim", daemon=True).start()
        return self

    def add(self, model: IPhoneModel | str) -> SimulatedIPhone:
        """Attach a device; a model that trusts this host gets its pair record kept here, as after pairing."""
        if isinstance(model, str):
            model = MODELS[model]()
        device = SimulatedIPhone(len(self.devices) + 1, Lockdownd(model))
        if model.trusted:
            record = make_pair_record(device.lockdownd.key, self.buid)
            device.lockdownd.trust(record)
            self.pair_records[device.udid] = plistlib.dumps(record)
        with self._lock:
            self.devices.append(device)
        self._announce(device, "Attached")
        return device

    def unplug(self, device: SimulatedIPhone) -> None:
        device.plugged = False
        self._announce(device, "Detached")

    def plug(self, device: SimulatedIPhone) -> None:
        device.plugged = True
        self._announce(device, "Attached")

    def erase(self, device: SimulatedIPhone) -> None:
        """The device runs Erase All Content and Settings: it reboots, drops off the bus as its script says,
        and comes back in Setup Assistant trusting no host (its pair records are erased too)."""
        threading.Thread(target=self._erase, args=(device,), name="iphone-erase-sim", daemon=True).start()

    def _erase(self, device: SimulatedIPhone) -> None:
        script = device.lockdownd.model.erase
        time.sleep(0.05)
        device.answering = False
        self.unplug(device)
        for _ in range(script.drops):
            time.sleep(script.off_bus_s)
            self.plug(device)  # the Apple logo and a progress bar: on the bus, nothing answers
            time.sleep(script.off_bus_s)
            self.unplug(device)
        time.sleep(script.off_bus_s)
        with device.lockdownd.lock:
            device.lockdownd.model.wiped()
            device.lockdownd.trusted_hosts.clear()
            device.lockdownd.services.clear()
            device.lockdownd.trust_tapped = True
        device.answering = True
        self.plug(device)

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for listener in list(self._listeners):
            with contextlib.suppress(OSError):
                listener.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.rmdir(self._tmp)

    def __enter__(self) -> SimulatedUsbmuxd:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _event(self, device: SimulatedIPhone, kind: str) -> dict[str, Any]:
        event: dict[str, Any] = {"MessageType": kind, "DeviceID": device.device_id}
        if kind == "Attached":
            event["Properties"] = device.properties()
        return event

    def _announce(self, device: SimulatedIPhone, kind: str) -> None:
        for listener in list(self._listeners):
            try:
                _send(listener, 0, self._event(device, kind))
            except OSError:
                self._listeners.remove(listener)

    def _accept(self) -> None:
        assert self._server is not None
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="usbmuxd-sim-client", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            while True:
                packet = _receive(conn)
                if packet is None:
                    break
                tag, message = packet
                if self._handle(conn, tag, message):
                    return  # the socket now belongs to a device service, or to a listener
        except (OSError, plistlib.InvalidFileException, ValueError) as exc:
            log.debug("usbmuxd client ended: %s", exc)
        conn.close()

    def _plugged(self, device_id: object) -> SimulatedIPhone | None:
        return next((d for d in self.devices if d.device_id == device_id and d.plugged), None)

    def _handle(self, conn: socket.socket, tag: int, message: dict[str, Any]) -> bool:
        kind = message.get("MessageType")
        if kind == "ReadBUID":
            _send(conn, tag, {"BUID": self.buid})
        elif kind == "ListDevices":
            _send(conn, tag, {"DeviceList": [self._event(d, "Attached") for d in self.devices if d.plugged]})
        elif kind == "Listen":
            _send(conn, tag, _result(RESULT_OK))
            with self._lock:
                for device in self.devices:
                    if device.plugged:
                        _send(conn, 0, self._event(device, "Attached"))
                self._listeners.append(conn)
            return True
        elif kind == "ReadPairRecord":
            record = self.pair_records.get(str(message.get("PairRecordID")))
            _send(conn, tag, {"PairRecordData": record} if record is not None else _result(RESULT_BADDEV))
        elif kind == "SavePairRecord":
            self.pair_records[str(message.get("PairRecordID"))] = bytes(message.get("PairRecordData", b""))
            _send(conn, tag, _result(RESULT_OK))
        elif kind == "DeletePairRecord":
            self.pair_records.pop(str(message.get("PairRecordID")), None)
            _send(conn, tag, _result(RESULT_OK))
        elif kind == "Connect":
            target = self._plugged(message.get("DeviceID"))
            # Clients send the port in network byte order inside the plist, as the binary protocol did.
            port = socket.ntohs(int(message.get("PortNumber", 0)))
            if target is None:
                _send(conn, tag, _result(RESULT_BADDEV))
                return False
            service = target.lockdownd.services.get(port)
            if not target.answering or (port != LOCKDOWN_PORT and service is None):
                _send(conn, tag, _result(RESULT_CONNREFUSED))
                return False
            _send(conn, tag, _result(RESULT_OK))
            if service is None:
                target.lockdownd.serve(conn)
            else:
                serve_service(target.lockdownd, service[0], service[1], conn, lambda: self.erase(target))
            return True
        else:
            _send(conn, tag, _result(1))  # BADCOMMAND
        return False


def _result(number: int) -> dict[str, Any]:
    return {"MessageType": "Result", "Number": number}


def _send(conn: socket.socket, tag: int, message: dict[str, Any]) -> None:
    body = plistlib.dumps(message)
    conn.sendall(_HEADER.pack(_HEADER.size + len(body), PLIST_VERSION, PLIST_MESSAGE, tag) + body)


def _receive(conn: socket.socket) -> tuple[int, dict[str, Any]] | None:
    head = b""
    while len(head) < _HEADER.size:
        chunk = conn.recv(_HEADER.size - len(head))
        if not chunk:
            return None
        head += chunk
    length, version, kind, tag = _HEADER.unpack(head)
    body = b""
    while len(body) < length - _HEADER.size:
        chunk = conn.recv(length - _HEADER.size - len(body))
        if not chunk:
            return None
        body += chunk
    if version != PLIST_VERSION or kind != PLIST_MESSAGE:
        raise ValueError(f"binary usbmuxd protocol (version {version}, message {kind}) is not spoken here")
    loaded = plistlib.loads(body)
    return tag, loaded if isinstance(loaded, dict) else {}

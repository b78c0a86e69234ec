"""The services a paired host starts on the simulated iPhone, after lockdownd's StartService.

- com.apple.mobile.MCInstall (what Apple Configurator and MDM tools speak): GetCloudConfiguration
  (the Device Enrollment record: supervision, organisation, MDM server), GetProfileList
  (installed configuration profiles), and EraseDevice. EraseDevice needs no supervision
  identity: only the silent profile installs are escalated, so it works on the unsupervised
  iPhones a refurbisher sees. On a device that erases, the connection drops as it starts.
- com.apple.mobile.diagnostics_relay: IORegistry lookups (AppleSmartBattery for battery
  health), Restart, Shutdown and Sleep. It has no erase request; nothing here invents one.

Each service connection is a new usbmuxd Connect to the port lockdownd gave, then TLS with
the same pair record as the session, then 4-byte-length plist frames as on port 62078.
"""

from __future__ import annotations

import logging
import plistlib
import socket
import ssl
from collections.abc import Callable
from typing import Any

from station.sim.ios_lockdownd import Lockdownd, read_plist, write_plist
from station.sim.ios_models import MCINSTALL

log = logging.getLogger(__name__)


def serve_service(device: Lockdownd, name: str, record: dict[str, Any], sock: socket.socket,
                  on_erase: Callable[[], None]) -> None:
    """Answer one service connection until it closes (or the device starts erasing)."""
    conn: socket.socket | ssl.SSLSocket = sock
    try:
        conn = device.start_tls(sock, record)
        answer = _mcinstall if name == MCINSTALL else _diagnostics
        while True:
            request = read_plist(conn)
            if request is None:
                return
            with device.lock:
                device.requests.append(f"{name}:{request.get('RequestType') or request.get('Request')}")
                reply, erase = answer(device, request)
            if erase:
                # A real device acknowledges nothing: it drops the connection and reboots into the erase.
                log.info("simulated iPhone %s: erasing", device.model.udid)
                on_erase()
                return
            write_plist(conn, reply)
    except (OSError, ssl.SSLError, plistlib.InvalidFileException) as exc:
        log.debug("%s connection ended: %s", name, exc)
    finally:
        conn.close()


def _mcinstall(device: Lockdownd, request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    kind = request.get("RequestType")
    model = device.model
    if kind == "EraseDevice":
        if not model.erase.accept:
            return {"Status": "Error", "ErrorChain": [{"ErrorCode": 12000, "LocalizedDescription":
                                                      "The device refused to erase."}]}, False
        return {}, True
    if kind == "GetCloudConfiguration":
        return {"Status": "Acknowledged", **({"CloudConfiguration": dict(model.cloud_configuration)}
                                             if model.cloud_configuration is not None else {})}, False
    if kind == "GetProfileList":
        return {"Status": "Acknowledged", "OrderedIdentifiers": list(model.profiles),
                "ProfileManifest": {k: {"Description": v.get("PayloadDisplayName", k), "IsActive": True}
                                    for k, v in model.profiles.items()},
                "ProfileMetadata": {k: dict(v) for k, v in model.profiles.items()}}, False
    if kind in ("HelloHostIdentifier", "Flush"):
        return {"Status": "Acknowledged"}, False
    return {"Status": "Error", "ErrorChain": [{"ErrorCode": 1, "LocalizedDescription": f"unknown {kind}"}]}, False


def _diagnostics(device: Lockdownd, request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    kind = request.get("Request")
    if kind == "IORegistry":
        entry = device.model.ioregistry.get(str(request.get("EntryClass") or request.get("EntryName") or ""))
        if entry is None:
            return {"Status": "Failure"}, False
        return {"Status": "Success", "Diagnostics": {"IORegistry": dict(entry)}}, False
    if kind in ("Restart", "Shutdown", "Sleep", "Goodbye"):
        return {"Status": "Success"}, False
    return {"Status": "UnknownRequest"}, False

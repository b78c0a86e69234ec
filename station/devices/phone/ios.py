"""iPhones and iPads through usbmuxd and lockdownd, with pymobiledevice3 as the client.

usbmuxd (Debian's `usbmuxd`) lists the devices on the USB bus; lockdownd on each device
says who it is. A device gives its serial, IMEIs and the rest only inside a session, and
a session needs a pair record: the one usbmuxd keeps, or the one this station made when
the technician tapped "Trust" (kept in the station's data dir). A device that is locked
or waiting at "Trust This Computer?" is listed with what to do, never as an error.

usbmuxd is found where the client library looks for it: USBMUXD_SOCKET_ADDRESS (a UNIX
path or HOST:PORT), else /var/run/usbmuxd. pymobiledevice3 is asynchronous; these are
blocking functions that each run their own event loop, like every other driver here.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from stdnum import imei as stdnum_imei

from station.i18n import N_, _

IPhoneState = Literal["ready", "untrusted", "passcode", "denied", "unreachable"]

# Find My (Activation Lock), supervision, battery level, storage and whether Setup Assistant is done:
# lockdownd domains a paired host may read.
READ_DOMAINS = ("com.apple.fmip", "com.apple.mobile.chaperone", "com.apple.mobile.battery", "com.apple.disk_usage",
                "com.apple.purplebuddy")

INSTRUCTIONS: dict[IPhoneState, str] = {
    "ready": N_("Connected and trusted: ready for checks."),
    "untrusted": N_(
        "The iPhone is asking \"Trust This Computer?\". Unlock it, tap Trust and enter the passcode if asked; "
        "the station then reads it by itself."
    ),
    "passcode": N_(
        "The iPhone is locked with a passcode, so it cannot show \"Trust This Computer?\". Unlock it (ask the "
        "customer for the passcode, or put it on the HOLD shelf), then tap Trust."
    ),
    "denied": N_(
        "Someone tapped \"Don't Trust\" on the iPhone. Unplug it, plug it back in, and tap Trust this time."
    ),
    "unreachable": N_("usbmuxd lists the iPhone but it does not answer. Unplug it and plug it back in."),
}


@dataclass
class IPhoneIdentity:
    udid: str
    serial: str
    product_type: str  # "iPhone13,2"
    marketing_name: str  # "iPhone 12"
    model_number: str  # "MGJ53" + region "ZD/A"
    ios_version: str
    build: str
    device_class: str  # iPhone | iPad
    capacity_bytes: int | None
    imeis: list[str] = field(default_factory=list)  # valid (Luhn checked) IMEIs, both on dual SIM
    meid: str | None = None
    colour: str | None = None  # Apple's enclosure colour code: its meaning depends on the model
    imei_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ListedIPhone:
    udid: str
    state: IPhoneState
    connection: str  # USB | Network
    identity: IPhoneIdentity | None = None
    error: str = ""
    # What the pre-checks judge, as lockdownd gave it: the default domain and each domain in
    # READ_DOMAINS this iOS answers (a missing domain is simply absent, never guessed).
    values: dict[str, Any] = field(default_factory=dict)
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What the lockdown services tell (station.devices.phone.ios_services.read_services): MDM enrolment
    # and profiles from MCInstall, battery health from the diagnostics relay.
    services: dict[str, Any] = field(default_factory=dict)

    @property
    def instruction(self) -> str:
        return _(INSTRUCTIONS[self.state])


def identity_from_values(values: dict[str, Any], disk: dict[str, Any] | None = None) -> IPhoneIdentity:
    """Who the device is, from lockdownd's default domain (inside a session) and its disk_usage domain."""
    from station.devices.phone.apple_names import marketing_name

    imeis: list[str] = []
    rejected: list[str] = []
    for key in ("InternationalMobileEquipmentIdentity", "InternationalMobileEquipmentIdentity2"):  # data: lockdownd
        raw = str(values.get(key) or "").strip()
        if raw:
            (imeis if stdnum_imei.is_valid(raw) else rejected).append(raw)
    # data: the note is part of the identity the phone's records keep
    note = f"not valid IMEIs, ignored: {', '.join(rejected)}" if rejected else ""
    if not imeis and not rejected:
        note = "no IMEI: a Wi-Fi only model, or the device did not tell"  # data: as above
    capacity = (disk or {}).get("TotalDiskCapacity", values.get("TotalDiskCapacity"))
    product_type = str(values.get("ProductType", ""))
    return IPhoneIdentity(
        udid=str(values.get("UniqueDeviceID", "")), serial=str(values.get("SerialNumber", "")),
        product_type=product_type, marketing_name=marketing_name(product_type),
        model_number=f"{values.get('ModelNumber', '')}{values.get('RegionInfo', '')}",
        ios_version=str(values.get("ProductVersion", "")), build=str(values.get("BuildVersion", "")),
        device_class=str(values.get("DeviceClass", "")), capacity_bytes=int(capacity) if capacity else None,
        imeis=imeis, meid=str(values["MobileEquipmentIdentifier"]) if values.get("MobileEquipmentIdentifier") else None,
        colour=str(values["DeviceEnclosureColor"]) if values.get("DeviceEnclosureColor") else None, imei_note=note,
    )


def list_iphones(pair_dir: Path, usbmux_address: str | None = None, *, services: bool = True) -> list[ListedIPhone]:
    """Every Apple device usbmuxd lists now, with its state and, when trusted, its identity.

    `services`: also read MCInstall and the diagnostics relay (MDM, battery health); a hot-plug
    scan leaves them out, since each is another TLS connection per device.
    An empty list when no usbmuxd runs: a station without iPhones is not an error.
    """
    pair_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_list(pair_dir, usbmux_address, services))


async def usbmux_devices(usbmux_address: str | None) -> dict[str, Any]:
    """usbmuxd's devices by UDID (one device can be listed over USB and Wi-Fi: USB wins); none without usbmuxd."""
    from pymobiledevice3 import usbmux
    from pymobiledevice3.exceptions import ConnectionFailedToUsbmuxdError

    try:
        devices = await usbmux.list_devices(usbmux_address=usbmux_address)
    except ConnectionFailedToUsbmuxdError:
        return {}
    seen: dict[str, Any] = {}
    for device in devices:
        if device.serial not in seen or device.is_usb:
            seen[device.serial] = device
    return seen


async def _list(pair_dir: Path, usbmux_address: str | None, services: bool) -> list[ListedIPhone]:
    return [await _read(udid, device.connection_type, pair_dir, usbmux_address, services)
            for udid, device in (await usbmux_devices(usbmux_address)).items()]


def read_iphone(udid: str, pair_dir: Path, usbmux_address: str | None = None) -> ListedIPhone | None:
    """One device by UDID, read as list_iphones() reads it; None when usbmuxd does not list it now."""
    pair_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_read_one(udid, pair_dir, usbmux_address))


async def _read_one(udid: str, pair_dir: Path, usbmux_address: str | None) -> ListedIPhone | None:
    device = (await usbmux_devices(usbmux_address)).get(udid)
    return None if device is None else await _read(udid, device.connection_type, pair_dir, usbmux_address)


async def _read(udid: str, connection: str, pair_dir: Path, usbmux_address: str | None,
                services: bool = True) -> ListedIPhone:
    from pymobiledevice3.exceptions import (
        PairingDialogResponsePendingError,
        PasswordRequiredError,
        PyMobileDevice3Exception,
        UserDeniedPairingError,
    )
    from pymobiledevice3.lockdown import create_using_usbmux

    try:
        # pair_timeout=0: ask once; the technician's tap is picked up by the next scan, never waited on here.
        lockdown = await create_using_usbmux(serial=udid, autopair=True, pair_timeout=0, label="triage-station",
                                             pairing_records_cache_folder=pair_dir, usbmux_address=usbmux_address)
    except PasswordRequiredError:
        return ListedIPhone(udid, "passcode", connection)
    except PairingDialogResponsePendingError:
        return ListedIPhone(udid, "untrusted", connection)
    except UserDeniedPairingError:
        return ListedIPhone(udid, "denied", connection)
    except (PyMobileDevice3Exception, OSError) as exc:
        return ListedIPhone(udid, "unreachable", connection, error=str(exc) or type(exc).__name__)
    from station.devices.phone.ios_services import read_services

    try:
        values = dict(lockdown.all_values)
        domains = {d: found for d in READ_DOMAINS if (found := await _domain(lockdown, d)) is not None}
        identity = identity_from_values(values, domains.get("com.apple.disk_usage"))
        found = await read_services(lockdown) if services else {}
        return ListedIPhone(udid, "ready", connection, identity, values=values, domains=domains, services=found)
    except (PyMobileDevice3Exception, OSError) as exc:  # it left the bus while being read: a reboot, a cable
        return ListedIPhone(udid, "unreachable", connection, error=str(exc) or type(exc).__name__)
    finally:
        with contextlib.suppress(PyMobileDevice3Exception, OSError):
            await lockdown.close()


async def _domain(lockdown: Any, domain: str) -> dict[str, Any] | None:
    """One lockdownd domain, or None where this iOS does not expose it to a paired host."""
    from pymobiledevice3.exceptions import LockdownError

    try:
        found = await lockdown.get_value(domain=domain)
    except LockdownError:
        return None
    return found if isinstance(found, dict) else None

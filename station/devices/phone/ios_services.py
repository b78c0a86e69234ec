"""Lockdown services a paired host starts on an iPhone: what lockdownd's values do not tell, and the erase.

- com.apple.mobile.MCInstall (MobileConfig): GetCloudConfiguration says whether the iPhone is
  assigned to an organisation's device management through Device Enrollment (it re-enrols
  itself after any erase), GetProfileList lists installed configuration profiles, and
  EraseDevice runs Erase All Content and Settings. EraseDevice is what Apple Configurator
  sends; unlike silent profile installs it needs no supervision identity, so it works on an
  unsupervised iPhone. The device drops the connection as it starts erasing.
- com.apple.mobile.diagnostics_relay: the IORegistry entry AppleSmartBattery gives the
  battery's design and present full-charge capacity and its cycle count. The relay has no
  erase request (only Restart, Shutdown and Sleep), so it is only read here.

Each reader returns None where the device does not answer, never a guess.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from station import clock
from station.devices.phone.ios import usbmux_devices
from station.i18n import _
from station.media import CommandRecord

ERASE_REQUEST = {"RequestType": "EraseDevice", "PreserveDataPlan": False, "DisallowProximitySetup": True}


async def read_services(lockdown: Any) -> dict[str, Any]:
    """{"cloud_configuration", "profiles", "battery"}: each None when its service did not answer."""
    from pymobiledevice3.exceptions import PyMobileDevice3Exception
    from pymobiledevice3.services.diagnostics import DiagnosticsService
    from pymobiledevice3.services.mobile_config import MobileConfigService

    out: dict[str, Any] = {"cloud_configuration": None, "profiles": None, "battery": None}
    try:
        async with MobileConfigService(lockdown) as mc:
            out["cloud_configuration"] = await mc.get_cloud_configuration() or {}
            listed = await mc.get_profile_list()
            out["profiles"] = {str(k): dict(v) for k, v in (listed.get("ProfileMetadata") or {}).items()}
    except (PyMobileDevice3Exception, OSError, ConnectionError):
        pass
    try:
        async with DiagnosticsService(lockdown) as diagnostics:
            entry = await diagnostics.ioregistry(ioclass="AppleSmartBattery")
            out["battery"] = dict(entry) if isinstance(entry, dict) else None
    except (PyMobileDevice3Exception, OSError, ConnectionError):
        pass
    return out


def erase(udid: str, pair_dir: Path, usbmux_address: str | None = None) -> CommandRecord:
    """Send Erase All Content and Settings through MCInstall; the record is the evidence of what was sent.

    Raises DeviceError when the iPhone is not ready or refuses; returns once the device accepted
    (it drops the connection as it reboots into the erase)."""
    started, t0 = clock.iso(), time.monotonic()
    argv = ["lockdown", udid, "com.apple.mobile.MCInstall", *(f"{k}={v}" for k, v in ERASE_REQUEST.items())]
    output = asyncio.run(_erase(udid, pair_dir, usbmux_address))
    return CommandRecord(argv, 0, output, started, round(time.monotonic() - t0, 3))


async def _erase(udid: str, pair_dir: Path, usbmux_address: str | None) -> str:
    from pymobiledevice3.exceptions import PyMobileDevice3Exception
    from pymobiledevice3.lockdown import create_using_usbmux
    from pymobiledevice3.services.mobile_config import MobileConfigService

    from station.errors import DeviceError

    try:
        lockdown = await create_using_usbmux(serial=udid, autopair=False, pairing_records_cache_folder=pair_dir,
                                             usbmux_address=usbmux_address)
    except (PyMobileDevice3Exception, OSError) as exc:
        raise DeviceError(_("iPhone {udid} did not answer before the erase ({exc}). Check the cable and "
                            "that it is unlocked, then try again.").format(
                udid=udid, exc=exc or type(exc).__name__)) from exc
    try:
        if not lockdown.paired:
            raise DeviceError(_("iPhone {udid} no longer trusts this station. Unlock it, tap Trust, then "
                                "try again.").format(udid=udid))
        async with MobileConfigService(lockdown) as mc:
            await mc.erase_device(preserve_data_plan=bool(ERASE_REQUEST["PreserveDataPlan"]),
                                  disallow_proximity_setup=bool(ERASE_REQUEST["DisallowProximitySetup"]))
    except PyMobileDevice3Exception as exc:
        raise DeviceError(_("iPhone {udid} refused Erase All Content and Settings: {exc}").format(
                udid=udid, exc=exc)) from exc
    finally:
        with contextlib.suppress(OSError, PyMobileDevice3Exception):  # the device is already rebooting
            await lockdown.close()
    return "accepted: the device closed the connection to erase"


def on_bus(udid: str, usbmux_address: str | None = None) -> bool:
    """Whether usbmuxd lists the device now (it may still not answer while it boots or erases)."""
    return udid in asyncio.run(usbmux_devices(usbmux_address))

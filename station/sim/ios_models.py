"""Scripted iPhones for the simulated lockdownd: what each one answers and how it behaves.

Each model is data: the lockdownd values (the names and shapes a real device answers
GetValue with), which of them lockdownd gives before a session, whether the device is
passcode-locked or waiting at "Trust This Computer?", and whether this host is already
trusted. Tests and demo mode pick them by name from MODELS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# What lockdownd tells a host that has no session (no pair record): enough to name the
# device and pair with it, nothing that identifies the owner's unit.
PUBLIC_KEYS = frozenset({
    "BuildVersion", "DeviceClass", "DeviceColor", "DeviceName", "DevicePublicKey", "HardwareModel",
    "ProductName", "ProductType", "ProductVersion", "UniqueChipID", "UniqueDeviceID", "WiFiAddress",
    "HostAttached", "TelephonyCapability",
})

MCINSTALL = "com.apple.mobile.MCInstall"
DIAGNOSTICS = "com.apple.mobile.diagnostics_relay"
SERVICES = (MCINSTALL, DIAGNOSTICS)


@dataclass
class EraseScript:
    """What the device does once it accepts EraseDevice: how long it is off the bus, how often it drops
    off again while it erases (a loose cable, a second reboot), and who comes back."""

    accept: bool = True
    off_bus_s: float = 0.3  # each stretch off the bus
    drops: int = 0  # extra times it comes back mid-erase (lockdownd not answering yet) and drops again
    serial_after: str | None = None  # a different serial answers afterwards (another board, a swap)
    erased: int = 0  # erases done, for tests


@dataclass
class IPhoneModel:
    name: str
    values: dict[str, Any]  # the default domain
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)  # e.g. com.apple.disk_usage
    trusted: bool = True  # this host already has a pair record the device accepts
    passcode_locked: bool = False  # Pair is refused until the passcode is entered
    trust_prompt: str = "accept"  # accept: Trust is tapped at once | manual: tap_trust() | deny
    cloud_configuration: dict[str, Any] | None = None  # MCInstall GetCloudConfiguration (Device Enrollment)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # installed profiles: id -> metadata
    ioregistry: dict[str, dict[str, Any]] = field(default_factory=dict)  # diagnostics relay, by entry class
    erase: EraseScript = field(default_factory=EraseScript)

    @property
    def udid(self) -> str:
        return str(self.values["UniqueDeviceID"])

    def wiped(self) -> None:
        """What Erase All Content and Settings leaves: Setup Assistant, no owner, no passcode, no host trusted."""
        self.values.update(ActivationState="Unactivated", PasswordProtected=False)
        if self.erase.serial_after:
            self.values["SerialNumber"] = self.erase.serial_after
        self.domains["com.apple.fmip"] = {"IsAssociated": False}
        self.domains["com.apple.purplebuddy"] = {"SetupDone": False}
        self.domains.pop("com.apple.mobile.chaperone", None)
        self.profiles.clear()
        self.cloud_configuration = None
        self.passcode_locked, self.trusted, self.trust_prompt = False, False, "accept"
        self.erase.erased += 1


def _battery(design: int, raw_max: int, cycles: int) -> dict[str, Any]:
    """An AppleSmartBattery registry entry as the diagnostics relay returns it (capacities in mAh)."""
    return {"DesignCapacity": design, "AppleRawMaxCapacity": raw_max, "NominalChargeCapacity": raw_max + 12,
            "CycleCount": cycles, "MaxCapacity": 100, "CurrentCapacity": 87, "IsCharging": True,
            "ExternalConnected": True, "Temperature": 2950, "Serial": "F5D1234ABCD1Q2WA"}


def _iphone(udid: str, product_type: str, model_number: str, serial: str, imeis: tuple[str, ...],
            version: str = "17.5.1", build: str = "21F90", capacity_gb: int = 128, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "UniqueDeviceID": udid, "ProductType": product_type, "ProductVersion": version, "BuildVersion": build,
        "DeviceClass": "iPhone", "DeviceName": "iPhone", "ProductName": "iPhone OS", "HardwareModel": "D53gAP",
        "ModelNumber": model_number, "RegionInfo": "ZD/A", "SerialNumber": serial, "DeviceColor": "1",
        "DeviceEnclosureColor": "2", "UniqueChipID": 0x1A2B3C4D5E6F, "WiFiAddress": "a4:83:e7:12:34:56",
        "BluetoothAddress": "a4:83:e7:12:34:57", "TelephonyCapability": True, "ActivationState": "Unactivated",
        "PasswordProtected": False, "TotalDiskCapacity": capacity_gb * 1_000_000_000,
        "InternationalMobileEquipmentIdentity": imeis[0], "MobileEquipmentIdentifier": imeis[0][:14],
        "HostAttached": True,
    }
    if len(imeis) > 1:
        values["InternationalMobileEquipmentIdentity2"] = imeis[1]
    values.update(extra)
    return values


def iphone12(udid: str = "00008101-000A1B2C3D4E001E", serial: str = "F2LDK3XYN6Y1") -> IPhoneModel:
    """A clean iPhone 12 (dual SIM: nano-SIM and eSIM): set up, but signed out of iCloud with Find My off."""
    return IPhoneModel(
        "iphone12",
        _iphone(udid, "iPhone13,2", "MGJ53", serial, ("356728113456780", "356728113498683"),
                ActivationState="Activated"),
        domains={"com.apple.disk_usage": {"TotalDiskCapacity": 128_000_000_000, "TotalDataCapacity": 113_000_000_000},
                 "com.apple.mobile.battery": {"BatteryCurrentCapacity": 87, "BatteryIsCharging": True},
                 "com.apple.fmip": {"IsAssociated": False}, "com.apple.purplebuddy": {"SetupDone": True},
                 "com.apple.mobile.chaperone": {"DeviceIsChaperoned": False}},
        ioregistry={"AppleSmartBattery": _battery(2815, 2534, 412)},
    )


def iphone12_locked_to_owner(udid: str = "00008101-000A1B2C3D4E002E") -> IPhoneModel:
    """An iPhone 12 still signed in: activated, Find My on (Activation Lock)."""
    model = iphone12(udid, serial="F2LDK3XYN6Y2")
    model.name = "iphone12-activation-lock"
    model.values["ActivationState"] = "Activated"
    model.domains["com.apple.fmip"] = {"IsAssociated": True}
    return model


def iphone13_supervised(udid: str = "00008110-001C2D3E4F50003E") -> IPhoneModel:
    """A company iPhone 13, supervised and enrolled in MDM through Device Enrollment (lockdownd tells
    supervision; the enrolment is in MCInstall's cloud configuration and its installed profiles)."""
    return IPhoneModel(
        "iphone13-supervised",
        _iphone(udid, "iPhone14,5", "MLPF3", "KX9QW2M7PL03", ("353915109876542",), capacity_gb=256,
                ActivationState="Activated"),
        domains={"com.apple.mobile.chaperone": {"DeviceIsChaperoned": True},
                 "com.apple.mobile.battery": {"BatteryCurrentCapacity": 64, "BatteryIsCharging": False},
                 "com.apple.fmip": {"IsAssociated": False}, "com.apple.purplebuddy": {"SetupDone": True}},
        cloud_configuration={"IsSupervised": True, "IsMandatory": True, "IsMDMUnremovable": True,
                             "OrganizationName": "Acme Logistics", "ConfigurationURL":
                             "https://mdm.acme.example/enroll", "CloudConfigurationUIComplete": True},
        profiles={"com.acme.mdm": {"PayloadDisplayName": "Acme Device Management", "PayloadOrganization":
                                   "Acme Logistics", "PayloadRemovalDisallowed": True, "PayloadVersion": 1,
                                   "PayloadUUID": "5B8E7C0A-1D2E-4F3A-9B6C-7D8E9F0A1B2C"}},
        ioregistry={"AppleSmartBattery": _battery(3227, 2420, 811)},
    )


def iphone11_untrusted(udid: str = "00008030-001A2B3C4D5E004E") -> IPhoneModel:
    """An iPhone 11 this station has never paired with, locked with a passcode."""
    return IPhoneModel(
        "iphone11-untrusted",
        _iphone(udid, "iPhone12,1", "MWLT2", "DX3ZP9A1N73F", ("352917112233449",), version="16.7.8",
                build="20H343", capacity_gb=64, PasswordProtected=True, ActivationState="Activated"),
        trusted=False, passcode_locked=True, trust_prompt="manual",
        domains={"com.apple.fmip": {"IsAssociated": False}, "com.apple.purplebuddy": {"SetupDone": True}},
        ioregistry={"AppleSmartBattery": _battery(3110, 2705, 530)},
    )


def iphone12_drops_mid_erase(udid: str = "00008101-000A1B2C3D4E005E") -> IPhoneModel:
    """A clean iPhone 12 whose cable comes loose while it erases: it drops off the bus twice more."""
    model = iphone12(udid, serial="F2LDK3XYN6Y5")
    model.name = "iphone12-drops"
    model.erase.drops = 2
    return model


def iphone12_swapped(udid: str = "00008101-000A1B2C3D4E006E") -> IPhoneModel:
    """An iPhone 12 that answers with another serial after the erase: it must not be certified."""
    model = iphone12(udid, serial="F2LDK3XYN6Y6")
    model.name = "iphone12-swapped"
    model.erase.serial_after = "G6TZK1ABN7Q2"
    return model


MODELS: dict[str, Callable[[], IPhoneModel]] = {
    "iphone12": iphone12,
    "iphone12-activation-lock": iphone12_locked_to_owner,
    "iphone13-supervised": iphone13_supervised,
    "iphone11-untrusted": iphone11_untrusted,
    "iphone12-drops": iphone12_drops_mid_erase,
    "iphone12-swapped": iphone12_swapped,
}

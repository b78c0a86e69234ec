"""Scripted phone models for the simulated adbd: what each phone answers and how it behaves.

Each model is data: its properties, accounts, owners, IMEI, battery, adb features, how it
handles USB debugging authorisation, whether it is rooted, and how it behaves through a
factory reset. Tests and demo mode pick them by name from MODELS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal


@dataclass
class PhoneModel:
    name: str
    props: dict[str, str]
    imei: str | None = None
    accounts: list[tuple[str, str]] = field(default_factory=list)  # (name, type)
    device_owner: str | None = None  # "package/.Receiver"
    profile_owner: str | None = None
    battery_level: int = 80
    battery_health: int = 2  # BatteryManager.BATTERY_HEALTH_GOOD
    features: list[str] = field(default_factory=lambda: ["shell_v2", "cmd"])
    protocol_version: int = 0x01000001  # Android 9+ skips checksums; older phones speak v1
    max_payload: int = 256 * 1024
    # none: ro.adb.secure=0 | accept: tapped at once | manual: accept_usb_debugging() | never
    auth: Literal["none", "accept", "manual", "never"] = "accept"
    auth_delay_s: float = 0.05
    rooted: bool = False  # `su` works (eng/userdebug or rooted build)
    has_cache_partition: bool = True  # /cache/recovery exists (non-A/B devices)
    adb_after_reset: bool = False  # eng builds come back from a reset with adb on and unsecured
    recovery_adb: bool = True  # recovery exposes adbd (state "recovery")
    wipe_drops: int = 0  # times the phone drops off during the wipe and comes back in recovery
    boot_s: float = 0.3  # time a reboot takes (the phone is gone meanwhile)
    wipe_s: float = 0.2
    packages_3p: list[str] = field(default_factory=lambda: ["com.whatsapp", "com.spotify.music"])
    card_serial: str = ""  # a microSD card in its slot (a reset leaves it as it is)
    sdcard_files: list[str] = field(default_factory=lambda: ["/sdcard/DCIM/Camera/IMG_0001.jpg",
                                                             "/sdcard/Download/boarding-pass.pdf"])
    data_kib: int = 107_426_200  # size of /data as `df -k` tells it: a 128 GB phone's user partition
    getprop_garbage: bool = False  # getprop answers with unparseable bytes
    silent: tuple[str, ...] = ()  # commands that never answer (the shell hangs)
    missing: tuple[str, ...] = ()  # commands this build lacks: "inaccessible or not found", 127
    auto_technician: bool = False  # demo: in recovery, "the technician" wipes and reboots by itself
    auto_technician_s: float = 2.0


def _props(**kw: str) -> dict[str, str]:
    return {k.replace("__", "."): v for k, v in kw.items()}


def _pixel(serial: str) -> dict[str, str]:
    return _props(
        ro__product__manufacturer="Google", ro__product__brand="google", ro__product__model="Pixel 6a",
        ro__product__name="bluejay", ro__product__device="bluejay", ro__serialno=serial,
        ro__build__version__release="14", ro__build__version__sdk="34",
        ro__build__version__security_patch="2024-05-05", ro__build__type="user",
        ro__build__fingerprint="google/bluejay/bluejay:14/AP1A.240505.004/11583682:user/release-keys",
        ro__crypto__state="encrypted", ro__crypto__type="file", ro__boot__verifiedbootstate="green",
        ro__boot__flash__locked="1", ro__boot__vbmeta__device_state="locked", ro__debuggable="0",
        ro__adb__secure="1",
    )


def fbe_with_google_account(serial: str = "26021JEGR08412") -> PhoneModel:
    """A current phone, encrypted (FBE), still signed in to Google: must be blocked (FRP)."""
    return PhoneModel("fbe-google", _pixel(serial), imei="356938035643809",
                      accounts=[("jane.doe@gmail.com", "com.google"), ("jane.doe", "com.whatsapp")])


def clean_fbe(serial: str = "26021JEGR09977") -> PhoneModel:
    """A current phone, encrypted (FBE), accounts removed: factory reset = crypto erase (Purge)."""
    return PhoneModel("clean-fbe", _pixel(serial), imei="490154203237518")


def old_unencrypted(serial: str = "0123456789ABCDEF") -> PhoneModel:
    """An Android 6 eng build, never encrypted, v1 protocol, no shell_v2: factory reset = Clear."""
    props = _props(
        ro__product__manufacturer="motorola", ro__product__brand="motorola", ro__product__model="Moto G (3rd gen)",
        ro__product__name="osprey_retus", ro__product__device="osprey", ro__serialno=serial,
        ro__build__version__release="6.0.1", ro__build__version__sdk="23",
        ro__build__version__security_patch="2016-10-01", ro__build__type="userdebug",
        ro__build__fingerprint="motorola/osprey_retus/osprey:6.0.1/MPI24.107-55/33:userdebug/test-keys",
        ro__crypto__state="unencrypted", ro__boot__verifiedbootstate="orange", ro__boot__flash__locked="0",
        ro__debuggable="1", ro__adb__secure="0",
    )
    return PhoneModel("old-unencrypted", props, imei="353627074869010", features=[], protocol_version=0x01000000,
                      max_payload=4096, data_kib=5_475_300, auth="none", rooted=True, adb_after_reset=True,
                      battery_health=3)


def unauthorized(serial: str = "R58M70ABCDE") -> PhoneModel:
    """A phone whose owner never accepts the USB debugging prompt."""
    props = _pixel(serial) | _props(ro__product__manufacturer="samsung", ro__product__brand="samsung",
                                    ro__product__model="SM-A515F", ro__product__name="a51nsxx",
                                    ro__product__device="a51")
    return PhoneModel("unauthorized", props, imei="351756051523993", auth="never")


def drops_mid_reset(serial: str = "R58N12XYZWV") -> PhoneModel:
    """An encrypted Samsung whose cable drops during the wipe; it comes back in recovery, unwiped."""
    props = _pixel(serial) | _props(
        ro__product__manufacturer="samsung", ro__product__brand="samsung", ro__product__model="SM-G991B",
        ro__product__name="o1sxeea", ro__product__device="o1s", ro__build__version__release="13",
        ro__build__version__sdk="33", ro__build__version__security_patch="2023-11-01",
        ro__build__fingerprint="samsung/o1sxeea/o1s:13/TP1A.220624.014/G991BXXU9EWK1:user/release-keys",
    )
    return PhoneModel("drops-mid-reset", props, imei="352099001761481", wipe_drops=1, battery_level=54)


def garbage_getprop(serial: str = "GARBAGE0001") -> PhoneModel:
    """A phone (or a broken cable) whose getprop answers with bytes that are no property list."""
    return PhoneModel("garbage-getprop", _pixel(serial), getprop_garbage=True)


def silent_shell(serial: str = "SILENT0001") -> PhoneModel:
    """A phone whose shell accepts commands and never answers."""
    return PhoneModel("silent-shell", _pixel(serial), silent=("getprop", "dumpsys", "settings", "service"))


MODELS: dict[str, Callable[..., PhoneModel]] = {
    "fbe-google": fbe_with_google_account,
    "clean-fbe": clean_fbe,
    "old-unencrypted": old_unencrypted,
    "unauthorized": unauthorized,
    "drops-mid-reset": drops_mid_reset,
    "garbage-getprop": garbage_getprop,
    "silent-shell": silent_shell,
}

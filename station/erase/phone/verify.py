"""After the reset: prove the phone is back in the setup wizard with nothing of its owner left.

Over adb (when USB debugging is on again): not provisioned, user setup not complete, no
accounts, no user-installed apps, no user files. USB debugging is normally off after a
reset; the technician then either re-enables it for this check, or confirms visually with
a photo of the setup wizard. The Verification says which was done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image, UnidentifiedImageError

from station.devices.phone.adb import AdbClient
from station.devices.phone.states import ABSENT, instruction
from station.erase.phone.prechecks import parse_accounts
from station.erase.phone.reset import PhoneTimings
from station.erase.result import Verification
from station.prompt import OperatorPrompt

EXPECTED = "setup wizard: not provisioned, user setup not complete, no accounts, no user apps, no user files"
CHOICES = [
    "I re-enabled USB debugging on the phone: check it over USB",
    "Confirm visually: photograph the setup wizard's welcome screen",
    "Stop: leave the reset unverified",
]


class PhotoPrompt(Protocol):
    """Optional prompt extension: take a photo (with the bench camera) and return its file."""

    def photo(self, question: str) -> Path | None: ...


@dataclass
class Baseline:
    """What the owner had before the reset, kept in the evidence beside what is left after."""

    accounts: int
    user_apps: int
    user_files: int


def _user_files(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("/") and not Path(line).name.startswith(".")]


def _user_apps(output: str) -> list[str]:
    return [line.removeprefix("package:") for line in output.splitlines() if line.startswith("package:")]


def read_baseline(client: AdbClient, serial: str) -> Baseline:
    return Baseline(
        accounts=len(parse_accounts(client.shell(serial, "dumpsys account").output)),
        user_apps=len(_user_apps(client.shell(serial, "pm list packages -3").output)),
        user_files=len(_user_files(client.shell(serial, "find /sdcard/ -type f").output)),
    )


def check_over_adb(client: AdbClient, serial: str, baseline: Baseline | None,
                   hardware_serial: str = "") -> Verification:
    """`hardware_serial`: ro.serialno read before the reset, so a different phone on the cable cannot pass."""
    found_serial = client.shell(serial, "getprop ro.serialno").output.strip()
    provisioned = client.shell(serial, "settings get global device_provisioned").output.strip()
    setup = client.shell(serial, "settings get secure user_setup_complete").output.strip()
    accounts = parse_accounts(client.shell(serial, "dumpsys account").output)
    apps = _user_apps(client.shell(serial, "pm list packages -3").output)
    files = _user_files(client.shell(serial, "find /sdcard/ -type f").output)
    checks = [
        {"check": "same_phone", "expected": hardware_serial or found_serial, "found": found_serial,
         "passed": not hardware_serial or found_serial == hardware_serial},
        {"check": "device_provisioned", "expected": "0", "found": provisioned, "passed": provisioned == "0"},
        {"check": "user_setup_complete", "expected": "0", "found": setup, "passed": setup in ("0", "null")},
        {"check": "accounts", "expected": 0, "found": len(accounts), "passed": not accounts},
        {"check": "user_apps", "expected": 0, "found": len(apps), "passed": not apps, "sample": apps[:5]},
        {"check": "user_files", "expected": 0, "found": len(files), "passed": not files, "sample": files[:5]},
    ]
    detail: dict[str, Any] = {"method": "adb: USB debugging on after the reset", "checks": checks}
    if baseline is not None:
        detail["before_reset"] = vars(baseline)
    return Verification(mode="adb-setup-wizard", passed=all(c["passed"] for c in checks), expected=EXPECTED,
                        detail=detail)


def failed_checks(v: Verification) -> str:
    return ", ".join(f"{c['check']} is {c['found']}" for c in v.detail.get("checks", []) if not c["passed"])


def verify_reset(client: AdbClient, serial: str, prompt: OperatorPrompt, timings: PhoneTimings, returned: str,
                 baseline: Baseline | None, store_photo: Callable[[Path], dict[str, Any]],
                 should_stop: Callable[[], bool] = lambda: False, hardware_serial: str = "") -> Verification:
    """Verify over adb when the phone is there; otherwise the technician re-enables adb or sends a photo."""
    state = returned
    while True:
        if state == "unauthorized":
            prompt.tell(instruction("unauthorized"))
            state = client.wait_for(serial, {"device"}, timings.boot_s, timings.poll_s, should_stop)
        if state == "device":
            return check_over_adb(client, serial, baseline, hardware_serial)
        choice = prompt.choose(
            "The phone is not visible over USB after the reset (USB debugging is normally off now). To verify "
            "the reset, either switch USB debugging on again (Settings > Developer options) without signing in, "
            "or photograph the setup wizard's welcome screen.", CHOICES)
        if choice == 0:
            state = client.wait_for(serial, {"device", "unauthorized"}, timings.boot_s, timings.poll_s, should_stop)
            if state == ABSENT or state == "offline":
                prompt.tell(f"Still no phone over USB. {instruction(state)}")
            continue
        if choice == 1:
            return _visual(prompt, store_photo)
        return Verification(mode="none", passed=False, expected=EXPECTED,
                            detail={"method": "not verified: the technician stopped"})


def _visual(prompt: OperatorPrompt, store_photo: Callable[[Path], dict[str, Any]]) -> Verification:
    question = "Photograph the phone showing the setup wizard's welcome screen"
    for _ in range(3):
        path = prompt.photo(question + ".")
        if path is None:
            break
        try:
            with Image.open(path) as img:
                img.verify()
                size = img.size
        except (OSError, UnidentifiedImageError):
            prompt.tell(f"{path} is not a readable photo. Take the photo again.")
            continue
        photo = store_photo(path) | {"width": size[0], "height": size[1]}
        seen = prompt.confirm("Does the photo show the setup wizard's welcome screen, with no lock screen and "
                              "no account asked for?")
        return Verification(mode="visual-photo", passed=seen, expected="setup wizard welcome screen on the phone",
                            detail={"method": "technician's visual confirmation with a photo", "photo": photo,
                                    "technician_confirmed": seen})
    return Verification(mode="none", passed=False, expected=EXPECTED,
                        detail={"method": "not verified: no photo was taken"})

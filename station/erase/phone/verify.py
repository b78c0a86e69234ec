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
from typing import Any

from PIL import Image, UnidentifiedImageError

from station.certs.result import Verification
from station.devices.phone.adb import AdbClient
from station.devices.phone.states import ABSENT, instruction
from station.erase.phone.prechecks import parse_accounts
from station.erase.phone.reset import PhoneTimings
from station.prompt import OperatorPrompt

EXPECTED = "setup wizard: not provisioned, user setup not complete, no accounts, no user apps, no user files"
CHOICES = [
    "I re-enabled USB debugging on the phone: check it over USB",
    "Confirm visually: photograph the setup wizard's welcome screen",
    "Stop: leave the reset unverified",
]


@dataclass
class Baseline:
    """What the owner had before the reset, kept in the evidence beside what is left after.
    None: that count could not be read (the command failed)."""

    accounts: int | None
    user_apps: int | None
    user_files: int | None


class Unchecked(Exception):
    """A check's command failed: its output is an error message, not an answer."""


def _ask(client: AdbClient, serial: str, command: str) -> str:
    """The command's output, or Unchecked with its exit status: a failed `find` is no file list."""
    answer = client.shell(serial, command)
    if answer.exit_code != 0:
        first = next((ln.strip() for ln in answer.output.splitlines() if ln.strip()), "no output")
        raise Unchecked(f"could not check: '{command}' exited {answer.exit_code} ({first[:120]})")
    return answer.output


def _user_files(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("/") and not Path(line).name.startswith(".")]


def _user_apps(output: str) -> list[str]:
    return [line.removeprefix("package:") for line in output.splitlines() if line.startswith("package:")]


def _count(client: AdbClient, serial: str, command: str, parse: Callable[[str], list[Any]]) -> int | None:
    try:
        return len(parse(_ask(client, serial, command)))
    except Unchecked:
        return None


def read_baseline(client: AdbClient, serial: str) -> Baseline:
    return Baseline(
        accounts=_count(client, serial, "dumpsys account", parse_accounts),
        user_apps=_count(client, serial, "pm list packages -3", _user_apps),
        user_files=_count(client, serial, "find /sdcard/ -type f", _user_files),
    )


def _check(name: str, expected: Any, run: Callable[[], Any], passes: Callable[[Any], bool],
           sample: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """One check: what was found and whether it passed, or that it could not be checked (never passed)."""
    try:
        found = run()
    except Unchecked as exc:
        return {"check": name, "expected": expected, "found": None, "passed": False, "error": str(exc)}
    out = {"check": name, "expected": expected, "found": len(found) if isinstance(found, list) else found,
           "passed": passes(found)}
    if sample is not None:
        out["sample"] = sample(found)
    return out


def check_over_adb(client: AdbClient, serial: str, baseline: Baseline | None,
                   hardware_serial: str = "") -> Verification:
    """`hardware_serial`: ro.serialno read before the reset, so a different phone on the cable cannot pass."""
    def ask(command: str) -> Callable[[], str]:
        return lambda: _ask(client, serial, command).strip()

    same = _check("same_phone", hardware_serial, ask("getprop ro.serialno"),
                  lambda found: not hardware_serial or found == hardware_serial)
    if not hardware_serial:
        same["expected"] = same["found"]
    checks = [
        same,
        _check("device_provisioned", "0", ask("settings get global device_provisioned"), lambda f: f == "0"),
        _check("user_setup_complete", "0", ask("settings get secure user_setup_complete"),
               lambda f: f in ("0", "null")),
        _check("accounts", 0, lambda: parse_accounts(_ask(client, serial, "dumpsys account")), lambda f: not f),
        _check("user_apps", 0, lambda: _user_apps(_ask(client, serial, "pm list packages -3")), lambda f: not f,
               lambda f: f[:5]),
        _check("user_files", 0, lambda: _user_files(_ask(client, serial, "find /sdcard/ -type f")), lambda f: not f,
               lambda f: f[:5]),
    ]
    detail: dict[str, Any] = {"method": "adb: USB debugging on after the reset", "checks": checks}
    if baseline is not None:
        detail["before_reset"] = vars(baseline)
    return Verification(mode="adb-setup-wizard", passed=all(c["passed"] for c in checks), expected=EXPECTED,
                        detail=detail)


def failed_checks(v: Verification) -> str:
    return ", ".join(f"{c['check']} could not be checked ({c['error']})" if "error" in c else
                     f"{c['check']} is {c['found']}" for c in v.detail.get("checks", []) if not c["passed"])


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

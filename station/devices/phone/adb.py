"""The station's handle on the real `adb` client: every call bounded by a timeout, every byte logged.

Facts about adb 29 this wrapper is built around:
- Without the phone's shell_v2 feature `adb shell` always exits 0 and merges stderr, so each
  command is followed by `echo "@@rc=$?@@"` and its status is read from that marker.
- A phone reached over TCP that drops is retried by the server only every 10 s; plain
  `adb connect` then says "already connected". `state()` polls such a phone with
  `adb disconnect S; adb connect S` to see each new state within a second.
- `adb connect` to an unauthorised phone prints "failed to authenticate" and exits 0.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from station import clock
from station.devices.phone.states import ABSENT, ListedPhone, instruction, parse_devices, words
from station.errors import DeviceError
from station.i18n import _
from station.media import CommandRecord

log = logging.getLogger("station.devices.io")

_MARKER = re.compile(r"@@rc=(\d+)@@\s*$")
_PROP = re.compile(r"^\[([^\]\s]+)\]: \[(.*)\]$")


class PhoneNotReady(DeviceError):
    """The phone is not in a state the station can talk to (unauthorised, offline, gone...)."""

    def __init__(self, serial: str, state: str) -> None:
        super().__init__(_("Phone {serial} ({state}): {instruction}").format(serial=serial, state=words(state),
                                                                           instruction=instruction(state)))
        self.serial = serial
        self.state = state


@dataclass
class ShellResult:
    exit_code: int
    output: str


class AdbClient:
    """One adb server (by port) and the client binary that talks to it."""

    def __init__(self, adb_path: str = "adb", server_port: int = 0, *, timeout: float = 15.0,
                 home: Path | None = None) -> None:
        self.adb_path = adb_path
        self.server_port = server_port  # 0: adb's own default (ANDROID_ADB_SERVER_PORT or 5037)
        self.timeout = timeout
        self.home = home  # a private key folder (~/.android) for a private server; None: the user's
        self.journal: list[CommandRecord] | None = None  # when set, commands sent to phones are recorded

    def _argv(self, args: Iterable[str]) -> list[str]:
        port = ["-P", str(self.server_port)] if self.server_port else []
        return [self.adb_path, *port, *args]

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.home is not None:
            env["HOME"] = str(self.home)
        return env

    def run(self, *args: str, timeout: float | None = None, record: bool = False, what: str = "") -> CommandRecord:
        """Run `adb ARGS`; a hang past `timeout` kills the client and raises DeviceError."""
        argv = self._argv(args)
        limit = self.timeout if timeout is None else timeout
        started, t0 = clock.iso(), time.monotonic()
        log.debug("adb >> %s", argv)
        try:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=limit,
                                  env=self._env(), check=False)
        except FileNotFoundError as exc:
            raise DeviceError(
                _("The adb program '{adb_path}' was not found. Install the Debian package 'adb' or set "
                  "phone.adb_path to the adb client.").format(adb_path=self.adb_path)
            ) from exc
        except subprocess.TimeoutExpired as exc:
            # data: the command journal is evidence, read by auditors in English
            rec = CommandRecord(argv, None, _text(exc.stdout) + "[no answer: timed out]", started,
                                round(time.monotonic() - t0, 3))
            self._record(rec, record)
            raise DeviceError(
                _("The phone did not answer {what!r} within {limit:g} s. Unplug it, plug it back in and try "
                  "again; if it repeats, restart the phone.").format(what=what or ' '.join(args[-1:]), limit=limit)
            ) from exc
        output = _text(proc.stdout) + _text(proc.stderr)
        log.debug("adb << rc=%s %r", proc.returncode, output[:4000])
        rec = CommandRecord(argv, proc.returncode, output, started, round(time.monotonic() - t0, 3))
        self._record(rec, record)
        return rec

    def _record(self, rec: CommandRecord, record: bool) -> None:
        if record and self.journal is not None:
            self.journal.append(rec)

    # --- the server and the list of phones ---------------------------------------------------

    def start_server(self) -> None:
        """Start the adb server now (any adb command would); a busy machine may take seconds to fork it."""
        rec = self.run("start-server", timeout=max(self.timeout, 30.0), what="start-server")
        if rec.exit_code != 0:
            raise DeviceError(_("The adb server did not start ({output}). Close other adb programs (Android "
                                "Studio, another station) and try again.").format(output=rec.output.strip()[-200:]))

    def kill_server(self) -> None:
        self.run("kill-server", timeout=10)

    def devices(self) -> list[ListedPhone]:
        rec = self.run("devices", "-l")
        if rec.exit_code != 0:
            raise DeviceError(_("adb could not list phones: {output}. Restart the station.").format(
                    output=rec.output.strip()[:200]))
        return parse_devices(rec.output)

    def listed(self, serial: str) -> ListedPhone | None:
        return next((p for p in self.devices() if p.serial == serial), None)

    def connect(self, address: str) -> str:
        return self.run("connect", address, timeout=10).output.strip()

    def disconnect(self, address: str) -> None:
        self.run("disconnect", address, timeout=10)

    def state(self, serial: str) -> str:
        """The phone's state now; TCP phones that are gone or offline are re-dialled to see their new state."""
        phone = self.listed(serial)
        current = phone.state if phone else ABSENT
        tcp = phone.is_tcp if phone else ListedPhone(serial, ABSENT).is_tcp
        if tcp and current in ("offline", ABSENT):  # connecting/authorizing are on their way: leave them be
            if phone is not None:
                self.disconnect(serial)
            self.connect(serial)
            phone = self.listed(serial)
            current = phone.state if phone else ABSENT
        return current

    def wait_for(self, serial: str, wanted: set[str], timeout: float, poll: float,
                 should_stop: Callable[[], bool] = lambda: False) -> str:
        """Poll until the phone's state is in `wanted`; returns the last state seen (maybe not wanted)."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.state(serial)
            if current in wanted or time.monotonic() >= deadline or should_stop():
                return current
            time.sleep(poll)

    # --- commands on one phone -------------------------------------------------------------

    def _check_reply(self, serial: str, rec: CommandRecord) -> None:
        text = rec.output.strip()
        for state in ("unauthorized", "offline"):
            if text.startswith(f"error: device {state}"):
                raise PhoneNotReady(serial, state)
        if text.startswith("error: device") and "not found" in text.splitlines()[0]:
            raise PhoneNotReady(serial, ABSENT)
        if text.startswith("error: closed"):
            raise DeviceError(_("Phone {serial} refused the command: it is not running Android with adb.").format(
                serial=serial) + " " + instruction(self.state(serial)))

    def shell(self, serial: str, command: str, *, timeout: float | None = None, record: bool = True) -> ShellResult:
        """Run `command` in the phone's shell; its exit status comes from a marker, not adb's exit code."""
        # data: a shell command line
        rec = self.run("-s", serial, "shell", f'{command}; echo "@@rc=$?@@"', timeout=timeout, record=record,
                       what=command)
        self._check_reply(serial, rec)
        found = _MARKER.search(rec.output)
        if found is None:
            raise DeviceError(
                _("Phone {serial} gave an incomplete answer to {command!r}. Unplug it, plug it back in and "
                  "try again; if it repeats, restart the phone.").format(serial=serial, command=command)
            )
        return ShellResult(int(found.group(1)), rec.output[: found.start()])

    def getprop(self, serial: str) -> dict[str, str]:
        """Every system property; unreadable output is a DeviceError naming what was wrong."""
        result = self.shell(serial, "getprop")
        props, bad = parse_getprop(result.output)
        if result.exit_code != 0 or "ro.product.model" not in props or bad > len(props):
            raise DeviceError(
                _("Phone {serial} answered 'getprop' with unreadable output ({bad} malformed lines, {props} "
                  "properties). Unplug it and plug it back in; if it repeats, the cable or the phone's "
                  "software is faulty and the phone cannot be processed here.").format(
                        serial=serial, bad=bad, props=len(props))
            )
        return props

    def reboot(self, serial: str, target: str = "") -> CommandRecord:
        rec = self.run("-s", serial, "reboot", *([target] if target else []), record=True)
        self._check_reply(serial, rec)
        return rec


def parse_getprop(text: str) -> tuple[dict[str, str], int]:
    """'[key]: [value]' lines -> (properties, number of lines that were not properties)."""
    props: dict[str, str] = {}
    bad = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _PROP.match(line.strip())
        if m:
            props[m.group(1)] = m.group(2)
        else:
            bad += 1
    return props, bad


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", "replace")

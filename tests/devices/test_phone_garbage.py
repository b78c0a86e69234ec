"""Garbage from the device ends in a clear error within the timeout, never a hang."""

from __future__ import annotations

import time

import pytest
from typing_extensions import override

from station.devices.phone.adb import AdbClient
from station.erase.phone.wipe import wipe_phone
from station.errors import DeviceError
from station.models import Unit
from station.prompt import OperatorPrompt
from station.sim.adb_rig import AdbRig

pytestmark = pytest.mark.timeout(60)


class NoHands(OperatorPrompt):
    """A prompt that must never be reached: these phones fail before anything is asked."""

    def tell(self, message: str) -> None:
        raise AssertionError(message)

    def confirm(self, question: str) -> bool:
        raise AssertionError(question)

    @override
    def choose(self, question: str, options: list[str]) -> int | None:
        raise AssertionError(question)

    @override
    def ask_text(self, question: str, *, secret: bool = False) -> str | None:
        raise AssertionError(question)


@pytest.fixture
def station(ctx, rig: AdbRig):  # type: ignore[no-untyped-def]
    ctx.config.set("phone.adb_server_port", rig.client.server_port)
    ctx.config.set("phone.command_timeout_s", 1.5)
    return ctx


def test_malformed_getprop_is_a_clear_error(rig: AdbRig, station) -> None:
    phone = rig.add("garbage-getprop")
    started = time.monotonic()
    with pytest.raises(DeviceError, match=r"answered 'getprop' with unreadable output \(\d+ malformed lines, 0 "
                                          r"properties\)\. Unplug it and plug it back in"):
        wipe_phone(station, phone.serial, NoHands())
    assert time.monotonic() - started < 10
    with station.store.reader() as s:
        assert s.query(Unit).count() == 0  # nothing was recorded from garbage


def test_shell_that_never_answers_times_out(rig: AdbRig, station) -> None:
    phone = rig.add("silent-shell")
    started = time.monotonic()
    with pytest.raises(DeviceError, match=r"did not answer 'getprop' within 1.5 s\. Unplug it"):
        wipe_phone(station, phone.serial, NoHands())
    elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 10
    # the hung stream was given up cleanly: the adb server and the phone still talk
    assert rig.client.state(phone.serial) == "device"
    assert rig.client.shell(phone.serial, "id").exit_code == 0


def test_missing_adb_client_says_what_to_install(station) -> None:
    station.config.set("phone.adb_path", "/nonexistent/adb")
    with pytest.raises(DeviceError, match="Install the Debian package 'adb'"):
        wipe_phone(station, "adb:0123456789", NoHands())


@pytest.mark.usefixtures("rig")
def test_unknown_serial_is_not_connected(station) -> None:
    with pytest.raises(DeviceError, match="No phone with this serial is connected"):
        wipe_phone(station, "adb:NOPE123", NoHands())


def test_incomplete_answer_is_an_error_not_a_guess(rig: AdbRig) -> None:
    """A reply cut off before the exit marker (the shell died mid-command) is refused."""
    phone = rig.add("clean-fbe")
    client = AdbClient("adb", rig.client.server_port, timeout=3.0)
    with pytest.raises(DeviceError, match="gave an incomplete answer to 'exit 3'"):
        client.shell(phone.serial, "exit 3")  # mksh-like: the shell ends before `echo` can run

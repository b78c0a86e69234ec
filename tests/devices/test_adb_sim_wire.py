"""The simulated phone speaks the ADB wire protocol well enough for the real adb client.

Raw-socket tests check the framing and v1 checksums; the rest drive the real `adb` binary
on a private server against the simulator: AUTH with adb's own RSA key, shell with and
without shell protocol v2, flow control over many WRTE chunks, reboots and recovery.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from station.sim import adb_wire as w
from station.sim.adb_models import clean_fbe, old_unencrypted
from station.sim.adb_phone import SimulatedPhone
from station.sim.adb_rig import AdbRig

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[AdbRig]:
    r = AdbRig(home=tmp_path / "adbhome", timeout=5.0).start()
    yield r
    r.close()


def _adb(rig: AdbRig, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["adb", "-P", str(rig.client.server_port), *args], capture_output=True, text=True,
                          timeout=20, stdin=subprocess.DEVNULL)


def _host_cnxn(version: int = w.VERSION_SKIP_CHECKSUM) -> w.Message:
    return w.Message(w.A_CNXN, version, w.MAX_PAYLOAD, b"host::features=shell_v2\0")


def test_framing_and_checksum() -> None:
    msg = w.Message(w.A_WRTE, 7, 9, b"hello")
    raw = w.pack(msg)
    assert raw[:4] == b"WRTE" and len(raw) == 24 + 5
    assert struct.unpack("<6I", raw[:24])[4] == sum(b"hello")  # v1 checksum: the byte sum
    assert struct.unpack("<6I", raw[:24])[5] == w.A_WRTE ^ 0xFFFFFFFF
    assert w.parse_service(b"shell,v2,TERM=xterm,raw:getprop; id\0") == ("shell", ["v2", "TERM=xterm", "raw"],
                                                                         "getprop; id")
    assert w.banner("recovery", {"ro.product.model": "X"}, ["shell_v2"]).startswith(b"recovery::ro.product.name=;")


def test_v1_phone_drops_a_host_with_a_bad_checksum() -> None:
    with SimulatedPhone(old_unencrypted()) as phone:
        good = socket.create_connection(("127.0.0.1", phone.port), timeout=3)
        good.sendall(w.pack(_host_cnxn(w.VERSION_V1)))
        reply = w.read_message(good, verify_checksum=True)
        assert reply.name == "CNXN" and reply.arg0 == w.VERSION_V1 and reply.arg1 == 4096
        assert reply.payload.startswith(b"device::ro.product.name=osprey_retus;")
        bad = w.pack(w.Message(w.A_OPEN, 1, 0, b"shell:id\0"))
        bad = bad[:16] + struct.pack("<I", 12345) + bad[20:]  # wrong checksum
        good.sendall(bad)
        good.settimeout(3)
        assert good.recv(100) == b""  # dropped: the phone does not trust a corrupted stream
        good.close()


def test_auth_token_signed_with_adbs_own_key_is_checked(rig: AdbRig, tmp_path: Path) -> None:
    """The public key adb sends (AUTH type 3) decodes to the modulus of adb's private key file."""
    phone = rig.add("clean-fbe")
    assert phone.history[:2] == ["usb debugging prompt shown", "usb debugging allowed"]
    private = load_pem_private_key((tmp_path / "adbhome" / ".android" / "adbkey").read_bytes(), None)
    e, n = phone.authorized_keys[0]
    assert (e, n) == (private.public_key().public_numbers().e, private.public_key().public_numbers().n)
    public = (tmp_path / "adbhome" / ".android" / "adbkey.pub").read_bytes()
    assert w.parse_android_pubkey(public).public_numbers().n == n
    # next connection: adb signs the token with that key and the phone lets it in without a prompt
    assert _adb(rig, "disconnect", phone.serial).returncode == 0
    assert "connected to" in _adb(rig, "connect", phone.serial).stdout
    assert rig.client.state(phone.serial) == "device"
    assert phone.history.count("usb debugging prompt shown") == 1


def test_unauthorized_until_the_prompt_is_accepted(rig: AdbRig) -> None:
    model = clean_fbe("LATE0001")
    model.auth = "manual"  # the prompt waits for the technician's tap
    phone = rig.add(model, settle_s=0.5)
    assert rig.client.state(phone.serial) == "unauthorized"
    assert "error: device unauthorized" in _adb(rig, "-s", phone.serial, "shell", "id").stderr
    phone.accept_usb_debugging()
    deadline = time.monotonic() + 3
    while rig.client.state(phone.serial) != "device" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rig.client.state(phone.serial) == "device"


def test_shell_v2_carries_the_exit_code_and_v1_does_not(rig: AdbRig) -> None:
    modern, old = rig.add("clean-fbe"), rig.add("old-unencrypted")
    assert _adb(rig, "-s", modern.serial, "shell", "no-such-tool").returncode == 127
    missing = _adb(rig, "-s", old.serial, "shell", "no-such-tool")
    assert missing.returncode == 0 and "inaccessible or not found" in missing.stdout  # the adb 29 pitfall
    assert rig.client.shell(old.serial, "no-such-tool").exit_code == 127  # the marker still tells


def test_large_output_flows_in_many_chunks_on_a_v1_phone(rig: AdbRig) -> None:
    model = old_unencrypted("BIG0001")
    model.sdcard_files = [f"/sdcard/DCIM/Camera/IMG_{i:05d}.jpg" for i in range(3000)]  # ~100 kB of paths
    phone = rig.add(model)
    out = rig.client.shell(phone.serial, "find /sdcard/ -type f").output.splitlines()
    assert out == model.sdcard_files
    assert rig.client.getprop(phone.serial)["ro.product.model"] == "Moto G (3rd gen)"


def test_reboot_drops_the_phone_and_it_comes_back_in_recovery(rig: AdbRig) -> None:
    phone = rig.add("clean-fbe")
    rig.client.reboot(phone.serial, "recovery")
    assert rig.client.wait_for(phone.serial, {"recovery"}, 3, 0.05) == "recovery"
    assert phone.history[-3:] == ["reboot recovery", "mode off", "mode recovery"]  # it was gone in between
    assert rig.client.getprop(phone.serial)["ro.bootmode"] == "recovery"
    phone.recovery_select("sideload")
    assert rig.client.wait_for(phone.serial, {"sideload"}, 3, 0.05) == "sideload"
    refused = _adb(rig, "-s", phone.serial, "shell", "id")
    assert refused.returncode != 0  # a sideloading recovery runs no shell
    phone.recovery_select("cancel")
    assert rig.client.wait_for(phone.serial, {"recovery"}, 3, 0.05) == "recovery"
    phone.recovery_select("reboot")
    assert rig.client.wait_for(phone.serial, {"device"}, 3, 0.05) == "device"
    assert phone.state.resets == 0  # rebooting is not resetting


def _squatter() -> tuple[socket.socket, int]:
    """Something that is not adb listening on a port: it answers every connection with garbage."""
    import threading
    srv = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"000chost:version")
    threading.Thread(target=serve, daemon=True).start()
    return srv, int(srv.getsockname()[1])


def test_a_rig_whose_port_was_taken_meanwhile_takes_another(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from station.errors import DeviceError
    from station.sim import adb_rig
    srv, taken = _squatter()
    try:
        ports = iter([taken])
        real = adb_rig.free_port
        monkeypatch.setattr(adb_rig, "free_port", lambda: next(ports, None) or real())
        rig = AdbRig(home=tmp_path / "adbhome", timeout=5.0)
        assert rig.client.server_port == taken
        rig.start()  # the real adb meets the squatter, says "protocol fault"; the rig moves on
        try:
            assert rig.client.server_port != taken
            assert _adb(rig, "devices").returncode == 0
        finally:
            rig.close()
        with pytest.raises(DeviceError, match="did not start"):  # a port the caller named is not changed
            AdbRig(taken, home=tmp_path / "adbhome2", timeout=5.0).start()
    finally:
        srv.close()

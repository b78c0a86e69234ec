"""A firmware erase holds its drive (and, for NVMe Format/Sanitize, every namespace of the
controller) O_EXCL from the last guard check to its end, and refuses a drive another
process uses. Loop devices stand in for the drive; the NVMe controller's namespaces are a
sysfs tree laid out like the kernel's (the two-namespace controller itself runs in the
VM rig)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

from station.certs.result import Status
from station.devices.drive import discover
from station.devices.drive.facts import DriveFacts
from station.erase import firmware, guard, plan
from tests.erase.test_firmware import ScriptedRunner, media_for, the_plan, zero_loop
from tests.erase.test_guard import disk
from tests.erase.test_guard_users import Peers, command_of, peers
from tests.erase.wipe_fixtures import LoopFactory, MiB

__all__ = ["peers"]

TRY_EXCL = "import os, sys\ntry:\n os.close(os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL))\n print(0)\n" \
           "except OSError as e:\n print(e.errno)"


def test_the_drive_is_held_exclusively_while_the_firmware_command_runs(loops: LoopFactory) -> None:
    loop = loops(8 * MiB)
    seen: list[int] = []

    def format_and_look() -> None:  # another program tries to claim the drive mid-command
        out = subprocess.run([sys.executable, "-c", TRY_EXCL, loop.path], capture_output=True, text=True)
        seen.append(int(out.stdout.strip()))
        zero_loop(loop)()

    p = the_plan(DriveFacts(bus="nvme", model="QEMU NVMe Ctrl"))
    runner = ScriptedRunner([(["nvme", "format"], 0, "Success formatting namespace:1", format_and_look)])
    result = firmware.execute_plan(p, firmware.FirmwareContext(loop.path, runner, poll_s=0), media_for(loop),
                                   "J-excl", marker_count=8)
    assert result.sanitized, result.reason
    assert seen == [errno.EBUSY]
    out = subprocess.run([sys.executable, "-c", TRY_EXCL, loop.path], capture_output=True, text=True)
    assert out.stdout.strip() == "0"  # released at the end


def test_a_drive_open_in_another_process_gets_no_command(loops: LoopFactory, peers: Peers) -> None:
    loop = loops(8 * MiB)
    proc = peers.opener(loop.path, "rw")
    p = the_plan(DriveFacts(bus="nvme", model="QEMU NVMe Ctrl"))
    runner = ScriptedRunner([])  # any command would fail the test
    result = firmware.execute_plan(p, firmware.FirmwareContext(loop.path, runner, poll_s=0), media_for(loop),
                                   "J-busy", marker_count=8)
    assert result.status is Status.FAILED and not result.commands
    assert result.reason == (f"{loop.path} is open for writing in {command_of(proc)} (pid {proc.pid}); "
                             "nothing was erased")
    assert loop.read_backing() == loop.expected_fill()


def nvme_controller(sys: Path) -> None:
    """nvme0 with namespaces nvme0n1 and nvme0n2, linked from class/block as the kernel does."""
    ctrl = sys / "devices" / "pci0000:00" / "0000:00:04.0" / "nvme" / "nvme0"
    for n, dev in (("nvme0n1", "259:0"), ("nvme0n2", "259:1")):
        disk(sys, n, dev)
        (ctrl / n).parent.mkdir(parents=True, exist_ok=True)
        os.rename(sys / "block" / n, ctrl / n)
        (sys / "block" / n).symlink_to(ctrl / n)
        (sys / "class" / "block" / n).symlink_to(ctrl / n)


def test_every_namespace_of_the_controller_is_checked(tmp_path: Path) -> None:
    sys_root = tmp_path / "sys"
    nvme_controller(sys_root)
    assert guard.controller_namespaces("nvme0n1", str(sys_root)) == ["nvme0n1", "nvme0n2"]
    second = discover.from_sysfs("nvme0n2", str(sys_root))
    view = guard.SystemView(mounts={"259:1": ["/srv/data"]})
    assert guard.check(second, view, str(sys_root)).reasons == ("has a mounted filesystem at /srv/data",)
    assert guard.check(discover.from_sysfs("nvme0n1", str(sys_root)), view, str(sys_root)).eligible


def test_which_erases_reach_every_namespace(tmp_path: Path) -> None:
    sys_root = tmp_path / "sys"
    nvme_controller(sys_root)

    def reach(method: str, fna_all: bool | None) -> list[str]:
        p = plan.Plan("purge", method, "Purge", "block erase", "zero", [], [], "")
        return firmware.erased_devices(p, DriveFacts(format_all_namespaces=fna_all), "/dev/nvme0n1", str(sys_root))

    both = ["/dev/nvme0n1", "/dev/nvme0n2"]
    assert reach("nvme-sanitize-block", False) == both  # Sanitize acts on the whole subsystem
    assert reach("nvme-format-crypto", None) == both  # FNA unknown: assume the worst
    assert reach("nvme-format-user-data", True) == both
    assert reach("nvme-format-user-data", False) == ["/dev/nvme0n1"]  # FNA bit 0 clear: per namespace
    assert reach("ata-sanitize-block", None) == ["/dev/nvme0n1"]
    assert guard.controller_namespaces("loop0") == ["loop0"]  # no controller: only itself

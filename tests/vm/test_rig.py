"""The rig itself, before any station code: each bus shows its disk, the guest cannot write the host
root, commands time out cleanly, the emulated controllers answer as the firmware tests expect, and
blkdebug fails writes at the chosen sector only.
"""

from __future__ import annotations

import json

import pytest

from tests.rig import disks as rig_disks
from tests.vm.conftest import FAULT_SECTOR, VM_TIMEOUT, Bench

pytestmark = [pytest.mark.vm, pytest.mark.timeout(VM_TIMEOUT)]


def test_every_bus_shows_its_disk_with_the_serial_qemu_gave_it(bench: Bench) -> None:
    listing = json.loads(bench.vm.check("lsblk --json --nodeps -o PATH,SERIAL,MODEL,TRAN,SIZE --bytes"))
    by_serial = {d["serial"]: d for d in listing["blockdevices"] if d.get("serial")}
    for disk in bench.vm.disks:
        row = by_serial[disk.serial]
        assert row["size"] == disk.size
        assert (row["model"] or "").strip() == disk.expected_model
    assert by_serial["RIGNVME0001"]["tran"] == "nvme"
    assert by_serial["RIGSATA0001"]["tran"] == "sata"
    assert by_serial["RIGUSB0001"]["tran"] == "usb"
    # virtio-scsi has no transport name in lsblk: its sysfs path says where it hangs.
    sys_path = bench.vm.check(f"readlink -f /sys/class/block/{bench.path('scsi').removeprefix('/dev/')}")
    assert "/virtio" in sys_path and "/host" in sys_path


def test_guest_root_is_read_only_and_the_export_is_writable(bench: Bench) -> None:
    res = bench.vm.run("touch /rig-must-not-exist")
    assert res.returncode != 0 and "Read-only file system" in res.stderr
    bench.vm.check("echo from-guest > /run/rig/hello && echo tmpfs > /tmp/hello && cat /tmp/hello")
    assert (bench.vm.share / "hello").read_text() == "from-guest\n"


def test_a_command_over_its_timeout_is_killed_and_the_guest_keeps_answering(bench: Bench) -> None:
    res = bench.vm.run("echo started; sleep 300", timeout=2)
    assert res.returncode == 124 and res.stdout == "started\n"
    assert bench.vm.check("echo alive") == "alive\n"


def test_nvme_format_really_zeroes_what_the_host_wrote(bench: Bench) -> None:
    image = bench.image("nvme")
    count = bench.seed("nvme")["nvme"]
    assert len(rig_disks.find_markers(image, count)) == count
    bench.vm.check(f"nvme format {bench.path('nvme')} --ses=1 --force")
    assert rig_disks.find_markers(image, count) == []
    assert rig_disks.nonzero_sectors(image) == []


def test_nvme_sanitize_is_refused_by_the_controller(bench: Bench) -> None:
    ctrl = json.loads(bench.vm.check(f"nvme id-ctrl -o json {bench.path('nvme')}"))
    assert ctrl["sanicap"] == 0
    res = bench.vm.run(f"nvme sanitize {bench.path('nvme')} --sanact=2")
    assert res.returncode != 0
    assert "Invalid Command Opcode" in res.stdout + res.stderr


def test_blkdebug_fails_writes_at_the_chosen_sector_and_nowhere_else(bench: Bench) -> None:
    dev = bench.path("faulty")
    block = FAULT_SECTOR // 8  # 4 KiB blocks
    bad = bench.vm.run(f"dd if=/dev/zero of={dev} bs=4096 count=1 seek={block} oflag=direct")
    assert bad.returncode != 0 and "Input/output error" in bad.stderr
    bench.vm.check(f"dd if=/dev/zero of={dev} bs=4096 count=1 seek={block + 256} oflag=direct")
    bench.vm.check(f"dd if={dev} of=/dev/null bs=4096 count=1 skip={block} iflag=direct")

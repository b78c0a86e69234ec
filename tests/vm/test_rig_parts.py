"""The rig's host-side parts, without booting a VM: the initramfs, blkdebug rules, the image checks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.rig import disks as rig_disks
from tests.rig import initramfs
from tests.rig.disks import SECTOR, Disk, Fault, MiB


def test_initramfs_holds_busybox_the_modules_and_their_index(tmp_path: Path) -> None:
    boot = initramfs.build(tmp_path)
    listing = subprocess.run(["cpio", "-it", "--quiet"], stdin=boot.initramfs.open("rb"), capture_output=True,
                             text=True, check=True, timeout=60).stdout.split()
    assert {"init", "bin/busybox", "sbin/modprobe"} <= set(listing)
    modules = {Path(p).name for p in listing if p.endswith(".ko")}
    for needed in ("nvme.ko", "ahci.ko", "sd_mod.ko", "sg.ko", "virtio_scsi.ko", "usb-storage.ko", "uas.ko",
                   "xhci-pci.ko", "9p.ko", "9pnet_virtio.ko", "virtio_pci.ko", "overlay.ko"):
        assert needed in modules, needed
    dep = (tmp_path / "stage" / "lib" / "modules" / boot.release / "modules.dep").read_text()
    assert "kernel/drivers/nvme/host/nvme.ko: kernel/drivers/nvme/host/nvme-core.ko" in dep
    # Debian's kernel has a PVH entry: QEMU boots the ELF directly, skipping the in-guest decompression.
    assert boot.kernel.read_bytes()[:4] == b"\x7fELF"


def test_blkdebug_rule_fails_only_writes_at_its_sector(tmp_path: Path) -> None:
    qemu_io = shutil.which("qemu-io")
    assert qemu_io, "qemu-io is missing: installer/system-packages.sh --test installs qemu-utils"
    disk = Disk("bad", "scsi", serial="X", size=8 * MiB, faults=[Fault(sector=4096)])
    image = disk.create(tmp_path)
    spec = f"blkdebug:{image.with_suffix('.blkdebug')}:{image}"
    out = subprocess.run([qemu_io, "-f", "raw", "-c", "write 2M 512", "-c", "write 0 512", "-c", "read 2M 512",
                          "-c", "write 1M 2M", spec], capture_output=True, text=True, timeout=60).stdout
    results = [line for line in out.splitlines() if line.startswith(("wrote", "read ", "write failed"))]
    assert results[0] == "write failed: Input/output error"
    assert results[1].startswith("wrote 512/512 bytes at offset 0")
    assert results[2].startswith("read 512/512 bytes at offset 2097152")
    assert results[3] == "write failed: Input/output error"  # a request spanning the sector fails too


def test_seed_markers_and_the_leftover_checks_agree(tmp_path: Path) -> None:
    image = tmp_path / "d.img"
    image.write_bytes(b"\0" * (4 * MiB + 3 * SECTOR))  # a partial last MiB, like an odd-sized disk
    count = rig_disks.seed(image, seed_value=7)
    assert count == 5
    assert len(rig_disks.find_markers(image, count)) == count
    assert len(rig_disks.leftover_sectors(image, seed_value=7)) == image.stat().st_size // SECTOR
    with image.open("r+b") as fh:  # "erase" the second MiB only
        fh.seek(MiB)
        fh.write(b"\0" * MiB)
    assert rig_disks.find_markers(image, count) == [0, 2 * MiB, 3 * MiB, 4 * MiB]
    left = rig_disks.leftover_sectors(image, seed_value=7)
    assert all(not (MiB <= lba * SECTOR < 2 * MiB) for lba in left)
    assert len(left) == image.stat().st_size // SECTOR - MiB // SECTOR
    assert rig_disks.nonzero_sectors(image)  # most of it is still random
    image.write_bytes(b"\0" * image.stat().st_size)
    assert rig_disks.nonzero_sectors(image) == [] and rig_disks.leftover_sectors(image, seed_value=7) == []


@pytest.mark.parametrize("bus", ["nvme", "ata", "scsi", "usb"])
def test_each_bus_gets_a_device_qemu_knows(bus: str, tmp_path: Path) -> None:
    disk = Disk("d0", bus, serial="S1", model="M", vendor="V", size=MiB)
    disk.create(tmp_path)
    args = disk.qemu_args(iter(range(6)))
    device = args[args.index("-device") + 1].split(",")[0]
    qemu = shutil.which("qemu-system-x86_64")
    assert qemu, "qemu-system-x86_64 is missing: installer/system-packages.sh --test installs qemu-system-x86"
    known = subprocess.run([qemu, "-device", "help"], capture_output=True, text=True, timeout=60).stdout
    assert f'name "{device}"' in known

"""Scratch disk images for the rig, one per bus, plus blkdebug fault rules and host-side readers.

The images are raw files so the host can read them directly after a guest-side erase: that is
the independent check that a firmware command really removed the data.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MiB = 1024 * 1024
SECTOR = 512

# Strings QEMU reports back to the guest; tests compare discovery against them.
NVME_MODEL = "QEMU NVMe Ctrl"  # fixed by QEMU's nvme device
SCSI_VENDOR = "QEMU"  # usb-storage's inner disk and the default scsi-hd vendor
USB_PRODUCT = "QEMU HARDDISK"


@dataclass(frozen=True)
class Fault:
    """One blkdebug rule: requests of `iotype` touching `sector` (512-byte units) fail with `errno`."""

    sector: int
    iotype: str = "write"  # read | write
    errno: int = 5  # EIO
    once: bool = False

    def rule(self) -> str:
        # QEMU 7.2 needs an event to arm the rule; iotype keeps it to one direction once armed.
        event = {"read": "read_aio", "write": "write_aio"}[self.iotype]
        return (f'[inject-error]\nevent = "{event}"\niotype = "{self.iotype}"\nerrno = "{self.errno}"\n'
                f'sector = "{self.sector}"\nonce = "{"on" if self.once else "off"}"\n')


@dataclass
class Disk:
    name: str  # the QEMU drive id and how tests refer to it
    bus: str  # nvme | ata | scsi | usb
    serial: str
    model: str = ""  # ATA model or SCSI product (NVMe and usb-storage models are fixed by QEMU)
    vendor: str = ""  # SCSI vendor
    size: int = 64 * MiB
    faults: list[Fault] = field(default_factory=list)
    image: Path | None = None
    namespaces: int = 1  # NVMe: namespaces of one controller, each its own image of `size`

    def namespace_images(self) -> list[Path]:
        """The image behind each namespace, nsid 1 first (it is `image`)."""
        assert self.image is not None, "create() the image first"
        return [self.image, *(self.image.with_name(f"{self.name}-n{i}.img") for i in range(2, self.namespaces + 1))]

    def create(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        self.image = folder / f"{self.name}.img"
        for image in self.namespace_images():
            if not image.exists():
                with image.open("wb") as fh:
                    fh.truncate(self.size)
        if self.faults:
            (folder / f"{self.name}.blkdebug").write_text("".join(f.rule() for f in self.faults))
        return self.image

    @property
    def expected_model(self) -> str:
        return {"nvme": NVME_MODEL, "usb": USB_PRODUCT}.get(self.bus, self.model)

    def qemu_args(self, ata_port: Iterator[int]) -> list[str]:
        assert self.image is not None, "create() the image first"
        file = str(self.image)
        if self.faults:
            file = f"blkdebug:{self.image.with_suffix('.blkdebug')}:{self.image}"
        # The disk must report errors to the guest, not pause the VM (QEMU's default for some buses).
        errors = ",werror=report,rerror=report" if self.bus in ("ata", "scsi", "usb") else ""
        drive = ["-drive", f"file={file},if=none,id={self.name},format=raw,cache=writeback"]
        if self.bus == "nvme" and self.namespaces > 1:
            # Namespaces attach to the controller defined last before them.
            args = ["-device", f"nvme,id={self.name},serial={self.serial}"]
            for nsid, image in enumerate(self.namespace_images(), 1):
                args += ["-drive", f"file={image},if=none,id={self.name}-ns{nsid},format=raw,cache=writeback",
                         "-device", f"nvme-ns,drive={self.name}-ns{nsid},nsid={nsid}"]
            return args
        if self.bus == "nvme":
            dev = f"nvme,drive={self.name},serial={self.serial}"
        elif self.bus == "ata":
            dev = f"ide-hd,bus=ahci0.{next(ata_port)},drive={self.name},model={self.model},serial={self.serial}"
        elif self.bus == "scsi":
            dev = (f"scsi-hd,bus=scsi0.0,drive={self.name},vendor={self.vendor},product={self.model},"
                   f"serial={self.serial}")
        elif self.bus == "usb":
            dev = f"usb-storage,bus=xhci0.0,drive={self.name},serial={self.serial},removable=off"
        else:
            raise ValueError(f"unknown bus {self.bus!r}")
        return [*drive, "-device", dev + errors]


def standard_disks(size: int = 64 * MiB) -> list[Disk]:
    """One scratch disk on each bus the station must tell apart."""
    return [
        Disk("nvme", "nvme", serial="RIGNVME0001", size=size),
        Disk("sata", "ata", serial="RIGSATA0001", model="RIG SATA DISK", size=size),
        Disk("scsi", "scsi", serial="RIGSCSI0001", vendor="RIGVEND", model="RIG SCSI DISK", size=size),
        Disk("usb", "usb", serial="RIGUSB0001", size=size),
    ]


# -- host-side content: seed before an erase, read back after ------------------------------------------------
def marker(disk_name: str, index: int) -> bytes:
    """A 32-byte marker that cannot occur by chance in random data or in zeros."""
    return hashlib.sha256(f"rig-marker:{disk_name}:{index}".encode()).digest()


def seed(image: Path, seed_value: int = 1, markers_every: int = MiB) -> int:
    """Fill the whole image with random bytes and put a marker at the start of every MiB. Returns the count."""
    size = image.stat().st_size
    count = 0
    rng = hashlib.shake_256(f"rig-seed:{seed_value}".encode())
    stream = rng.digest(MiB)  # one random MiB reused, with each copy made unique by its marker
    with image.open("r+b") as fh:
        for offset in range(0, size, MiB):
            chunk = bytearray(stream[: min(MiB, size - offset)])
            if offset % markers_every == 0 and len(chunk) >= 32:
                chunk[:32] = marker(image.stem, count)
                count += 1
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    return count


def find_markers(image: Path, count: int) -> list[int]:
    """Offsets of any seeded marker still present anywhere in the image (read in full by the host)."""
    wanted = {marker(image.stem, i) for i in range(count)}
    found = []
    with image.open("rb") as fh:
        offset = 0
        while block := fh.read(MiB):
            for i in range(0, len(block) - 31, SECTOR):
                if block[i:i + 32] in wanted:
                    found.append(offset + i)
            offset += len(block)
    return found


def leftover_sectors(image: Path, seed_value: int = 1) -> list[int]:
    """LBAs whose content is still exactly what seed() wrote there: any of them means data survived."""
    stream = hashlib.shake_256(f"rig-seed:{seed_value}".encode()).digest(MiB)
    left = []
    with image.open("rb") as fh:
        offset = 0
        while block := fh.read(MiB):
            for s in range(0, len(block), SECTOR):
                lo = s + 32 if s == 0 else s  # the first sector of each MiB starts with its marker
                if block[lo:s + SECTOR] == stream[lo:s + SECTOR]:
                    left.append((offset + s) // SECTOR)
            offset += len(block)
    return left


def nonzero_sectors(image: Path, samples: int = 256) -> list[int]:
    """Sample LBAs spread evenly over the image (plus the first and last) and return those not all zero."""
    sectors = image.stat().st_size // SECTOR
    step = max(1, sectors // samples)
    picks = sorted(set(itertools.chain(range(0, sectors, step), [sectors - 1])))
    bad = []
    with image.open("rb") as fh:
        for lba in picks:
            fh.seek(lba * SECTOR)
            if fh.read(SECTOR).strip(b"\0"):
                bad.append(lba)
    return bad

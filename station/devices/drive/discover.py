"""Find the drives attached to this machine and what they are.

sysfs is the ground truth and always works, with or without udevd. On top of it:
udev properties when udevd keeps a database, one `lsblk --json` for the whole
machine, and per drive `smartctl --json` (plus `hdparm -I`/`-N` on ATA drives for
security features and the HPA, `nvme id-ctrl` on NVMe), kept as `Drive.tool_facts`
for the erase-method planner. Tool answers are cached per (sysfs path, disk sequence
number), so a hot-plug rescan only re-reads sysfs for the drives already known.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from station.devices.drive import probe
from station.devices.drive.facts import DriveFacts
from station.errors import UserFacingError
from station.i18n import _
from station.media import Bus, MediaFacts

log = logging.getLogger(__name__)

SYS = "/sys"
# Not drives: RAM disks, device-mapper and md aggregates (wipe their members), optical, floppy.
_SKIP = re.compile(r"^(ram|zram|dm-|md|sr|fd|nbd|rbd|mtdblock)\d*")
_ENRICH_CACHE: dict[tuple[str, str], DriveFacts] = {}


@dataclass
class Drive:
    name: str  # kernel name: sda, nvme0n1, loop3
    path: str  # /dev/sda
    sys_path: str  # resolved /sys/devices/.../block/sda
    facts: MediaFacts
    port: str = ""  # the bay: ata3, usb 2-1.4, nvme0, pci 0000:00:1f.2 ...
    removable: bool = False
    read_only: bool = False
    backing_file: str = ""  # loop devices
    diskseq: str = ""
    simulated: bool = False  # a demo bay: an image file in the data folder
    tool_facts: DriveFacts = field(default_factory=DriveFacts)  # capabilities for the method planner

    @property
    def identity(self) -> str:
        """What names this drive across replugs: its serial, else its WWN, else its loop backing file."""
        if self.facts.serial:
            return self.facts.serial
        if self.facts.extra.get("wwn"):
            return f"wwn-{self.facts.extra['wwn']}"
        if self.backing_file:
            return f"loop:{self.backing_file}"
        return self.path

    @property
    def label(self) -> str:
        model = self.facts.model or self.name
        return f"{model} ({self.identity})" if self.identity != self.path else f"{model} ({self.path})"


def read_sysfs(path: Path, default: str = "") -> str:
    """A sysfs (or procfs) value, stripped; `default` when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return default


def _bus_and_port(real: str, name: str) -> tuple[Bus, str]:
    """From the device's sysfs path: which bus it hangs off, and which port/bay."""
    if "/virtual/block/loop" in real:
        return "loop", "loop"
    usb = re.findall(r"/(\d+-[\d.]+)(?=/|:)", real)
    if "/usb" in real and usb:
        return "usb", f"usb {usb[-1]}"
    m = re.search(r"/(nvme\d+)/", real)
    if m or name.startswith("nvme"):
        return "nvme", m.group(1) if m else name
    m = re.search(r"/(ata\d+)/", real)
    if m:
        return "ata", m.group(1)
    m = re.search(r"/(mmc\d+)/", real)
    if m:
        return "mmc", m.group(1)
    if "/end_device-" in real or "/sas_" in real:
        m = re.search(r"/(end_device-[\d:]+)/", real)
        return "sas", m.group(1) if m else "sas"
    m = re.search(r"/(host\d+)/", real)
    if m:
        return "scsi", m.group(1)
    m = re.search(r"/(virtio\d+)/", real)
    if m:
        return "virtual", m.group(1)
    return "virtual", ""


def block_names(sys_root: str = SYS) -> list[str]:
    """Whole disks that could hold data: no partitions, no aggregates, no unattached loops."""
    names = []
    for entry in sorted(os.listdir(f"{sys_root}/block")):
        base = Path(sys_root, "block", entry)
        if _SKIP.match(entry):
            continue
        if entry.startswith("loop") and not read_sysfs(base / "loop" / "backing_file"):
            continue
        names.append(entry)
    return names


def from_sysfs(name: str, sys_root: str = SYS) -> Drive:
    base = Path(sys_root, "block", name)
    real = os.path.realpath(base)
    dev = base / "device"
    bus, port = _bus_and_port(real, name)
    backing = read_sysfs(base / "loop" / "backing_file")
    facts = MediaFacts(
        path=f"/dev/{name}", bus=bus,
        vendor=read_sysfs(dev / "vendor"), model=read_sysfs(dev / "model"),
        serial=read_sysfs(dev / "serial"), firmware=read_sysfs(dev / "firmware_rev") or read_sysfs(dev / "rev"),
        size_bytes=int(read_sysfs(base / "size", "0") or 0) * 512,
        logical_sector=int(read_sysfs(base / "queue" / "logical_block_size", "512") or 512),
        physical_sector=int(read_sysfs(base / "queue" / "physical_block_size", "512") or 512),
        rotational=read_sysfs(base / "queue" / "rotational") == "1" if bus not in ("loop", "virtual") else None,
    )
    wwid = read_sysfs(base / "wwid") or read_sysfs(dev / "wwid")
    if wwid:
        facts.extra["wwid"] = wwid
    if "/virtio" in real:  # device/vendor there is the PCI vendor id of virtio, not a drive maker
        facts.vendor, facts.model = "virtio", facts.model or "Virtual disk"
    if bus == "loop":
        facts.model = "Loop device"
        facts.extra["backing_file"] = backing
    facts.extra["port"] = port
    return Drive(name=name, path=f"/dev/{name}", sys_path=real, facts=facts, port=port,
                 removable=read_sysfs(base / "removable") == "1", read_only=read_sysfs(base / "ro") == "1",
                 backing_file=backing, diskseq=read_sysfs(base / "diskseq"))


def _udev_properties(sys_path: str) -> dict[str, str]:
    try:
        import pyudev

        return dict(pyudev.Devices.from_sys_path(pyudev.Context(), sys_path).properties)
    except Exception:  # no udev, or the device left while we looked
        return {}


def _lsblk(*paths: str) -> dict[str, dict[str, Any]]:
    status, out = probe.run(["lsblk", "--json", "--bytes", "--nodeps", "-o",
                             "NAME,MODEL,SERIAL,VENDOR,REV,TRAN,WWN,SIZE,ROTA,RM,RO,HCTL", *paths])
    if status != 0:
        return {}
    try:
        return {d["name"]: d for d in json.loads(out).get("blockdevices", [])}
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
        return {}


def _tool_facts(drive: Drive) -> DriveFacts:
    """What smartctl/hdparm/nvme say; cached per (sysfs path, disk sequence number)."""
    key = (drive.sys_path, drive.diskseq)
    if key not in _ENRICH_CACHE:
        _ENRICH_CACHE[key] = probe.tool_facts(drive.path, drive.facts.bus)
    return _ENRICH_CACHE[key]


def _merge(drive: Drive, udev: dict[str, str], lsblk: dict[str, Any], tools: DriveFacts) -> Drive:
    f = replace(drive.facts, extra=dict(drive.facts.extra))

    def first(*values: Any) -> str:
        return next((str(v).strip() for v in values if v not in (None, "") and str(v).strip()), "")

    f.model = first(tools.model, udev.get("ID_MODEL_FROM_DATABASE"), lsblk.get("model"),
                    udev.get("ID_MODEL"), f.model).replace("_", " ")
    f.serial = first(tools.serial, udev.get("ID_SERIAL_SHORT"), lsblk.get("serial"), f.serial)
    f.firmware = first(tools.firmware, udev.get("ID_REVISION"), lsblk.get("rev"), f.firmware)
    f.vendor = first(tools.vendor, udev.get("ID_VENDOR"), lsblk.get("vendor"), f.vendor)
    wwn = first(udev.get("ID_WWN"), lsblk.get("wwn"))
    if wwn:
        f.extra["wwn"] = wwn
    if tools.rotational is not None:
        f.rotational = tools.rotational
    transport = first(tools.transport, lsblk.get("tran"))
    if transport:
        f.extra["transport"] = transport
    f.smart = tools.smart_summary()
    f.hpa_dco = tools.hpa_dco()
    return replace(drive, facts=f, tool_facts=tools)


def list_drives(*, enrich: bool = True, sys_root: str = SYS, names: list[str] | None = None) -> list[Drive]:
    drives = []
    names = block_names(sys_root) if names is None else names
    table = _lsblk(*(f"/dev/{n}" for n in names)) if enrich and names else {}
    for name in names:
        try:
            drive = from_sysfs(name, sys_root)
        except OSError:  # unplugged while we looked
            continue
        if enrich:
            drive = _merge(drive, _udev_properties(drive.sys_path), table.get(name, {}), _tool_facts(drive))
        drives.append(drive)
    return drives


def find(target: str, *, enrich: bool = True, sys_root: str = SYS) -> Drive:
    """A drive by /dev path, by-id link, kernel name or serial number."""
    real = os.path.realpath(target) if target.startswith("/") else f"/dev/{target}"
    name = os.path.basename(real)
    part = Path(sys_root, "class", "block", name, "partition")
    if part.exists():
        parent = os.path.basename(os.path.dirname(os.path.realpath(Path(sys_root, "class", "block", name))))
        raise UserFacingError(_("{target} is a partition; wipe the whole drive /dev/{parent} instead.").format(
                target=target, parent=parent))
    # A path or kernel name: only that drive is asked (the tools are slow on some drives).
    drives = list_drives(enrich=enrich, sys_root=sys_root, names=[name]) if name in block_names(sys_root) else []
    if not drives and not target.startswith("/"):
        drives = list_drives(enrich=enrich, sys_root=sys_root)  # a serial number or identity
    for d in drives:
        if d.name == name or d.facts.serial == target or d.identity == target:
            return d
    raise UserFacingError(_("No drive {target} is attached. Run 'station drives' to list the drives.").format(
            target=target))


"""Discovery: drives from sysfs (no udevd needed), enriched by the drive tools' answers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from station.devices.drive import discover, parsers
from station.errors import UserFacingError
from tests.erase import wipe_fixtures
from tests.erase.wipe_fixtures import LoopFactory, MiB

pytestmark = pytest.mark.timeout(60)


def test_an_attached_loop_is_found_with_its_facts(loops: LoopFactory) -> None:
    loop = loops(24 * MiB, extra=("--sector-size", "4096"))
    drive = discover.find(loop.path)
    f = drive.facts
    assert drive.path == loop.path and drive.name == Path(loop.path).name
    assert f.bus == "loop" and drive.port == "loop" and f.size_bytes == 24 * MiB
    assert f.logical_sector == 4096 and f.physical_sector >= 4096
    assert drive.backing_file == str(loop.backing) and drive.identity == f"loop:{loop.backing}"
    assert drive.sys_path.startswith("/sys/devices/") and os.path.exists(drive.sys_path)
    # Found by kernel name and by identity too; the listing holds it once.
    assert discover.find(drive.name).path == loop.path
    assert discover.find(drive.identity).path == loop.path
    assert [d.path for d in discover.list_drives()].count(loop.path) == 1


def test_detached_loops_ram_disks_and_aggregates_are_not_drives(loops: LoopFactory) -> None:
    loop = loops(4 * MiB)
    names = discover.block_names()
    assert Path(loop.path).name in names
    assert not any(n.startswith(("zram", "ram", "dm-", "md", "sr")) for n in names)
    wipe_fixtures.detach(loop.path)
    loops.loops.remove(loop.path)
    assert Path(loop.path).name not in discover.block_names()
    with pytest.raises(UserFacingError, match=r"No drive .* is attached"):
        discover.find(loop.path)


@pytest.mark.parametrize(("sys_path", "bus", "port"), [
    ("/sys/devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sda", "ata", "ata3"),
    ("/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1.4/2-1.4:1.0/host6/target6:0:0/6:0:0:0/block/sdb",
     "usb", "usb 2-1.4"),
    ("/sys/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1", "nvme", "nvme0"),
    ("/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/host0/port-0:0/end_device-0:0/target0:0:0/0:0:0:0/"
     "block/sdc", "sas", "end_device-0:0"),
    ("/sys/devices/platform/soc/fe340000.mmc/mmc_host/mmc1/mmc1:aaaa/block/mmcblk1", "mmc", "mmc1"),
    ("/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda", "virtual", "virtio1"),
    ("/sys/devices/virtual/block/loop7", "loop", "loop"),
])
def test_bus_and_bay_from_the_sysfs_path(sys_path: str, bus: str, port: str) -> None:
    assert discover._bus_and_port(sys_path, sys_path.rsplit("/", 1)[-1]) == (bus, port)


def test_tool_answers_fill_in_what_sysfs_lacks(corpus: Path) -> None:
    """Real smartctl --json outputs merged over a bare sysfs record, as discovery does."""
    files = sorted((corpus / "smartctl-json").glob("*.json"))
    assert files
    bare = discover.Drive(name="sdx", path="/dev/sdx", sys_path="/sys/devices/x/block/sdx",
                          facts=discover.MediaFacts(path="/dev/sdx", bus="ata"))
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        tools = parsers.parse_json(doc, path.name)
        drive = discover._merge(bare, {}, {}, tools)
        f = drive.facts
        if doc.get("model_name"):
            assert f.model == str(doc["model_name"]).strip().replace("_", " "), path.name
        if doc.get("serial_number"):
            assert f.serial == str(doc["serial_number"]).strip() and drive.identity == f.serial
        if isinstance(doc.get("rotation_rate"), int):
            assert f.rotational == (doc["rotation_rate"] > 0)
        if isinstance((doc.get("smart_status") or {}).get("passed"), bool):
            assert f.smart["smart_passed"] == doc["smart_status"]["passed"]
        assert drive.tool_facts is tools  # kept whole for the erase-method planner


def test_udev_and_lsblk_are_used_when_the_tools_say_nothing() -> None:
    bare = discover.Drive(name="sdy", path="/dev/sdy", sys_path="/sys/devices/y/block/sdy",
                          facts=discover.MediaFacts(path="/dev/sdy", bus="usb", model="USB3.0 DISK"))
    udev = {"ID_SERIAL_SHORT": "AA00000000012345", "ID_VENDOR": "Kingston", "ID_MODEL": "DataTraveler_3.0"}
    lsblk = {"wwn": "0x5000000000000001", "tran": "usb", "rev": "PMAP"}
    drive = discover._merge(bare, udev, lsblk, parsers.DriveFacts())
    # udev's model (underscores for spaces) is better than the bridge's generic SCSI inquiry name.
    assert (drive.facts.model, drive.facts.serial, drive.facts.vendor) == ("DataTraveler 3.0", "AA00000000012345",
                                                                          "Kingston")
    assert drive.facts.firmware == "PMAP" and drive.facts.extra["transport"] == "usb"
    assert drive.label == "DataTraveler 3.0 (AA00000000012345)"

"""`station drives --json` inside the guest tells every controller's bus apart, with QEMU's model and serial."""

from __future__ import annotations

import pytest

from tests.vm.conftest import VM_TIMEOUT, Bench

pytestmark = [pytest.mark.vm, pytest.mark.timeout(VM_TIMEOUT)]

EXPECTED_BUS = {"nvme": "nvme", "sata": "ata", "scsi": "scsi", "usb": "usb", "faulty": "scsi"}


def test_drives_reports_bus_model_and_serial_of_every_disk(bench: Bench) -> None:
    found = {d["serial"]: d for d in bench.station_json("drives")}
    for disk in bench.vm.disks:
        if disk.namespaces > 1:
            continue  # its namespaces share one serial: tests/vm/test_nvme_namespaces.py lists them
        drive = found.get(disk.serial)
        assert drive is not None, f"{disk.name} ({disk.serial}) missing from station drives: {sorted(found)}"
        assert drive["bus"] == EXPECTED_BUS[disk.name], drive
        assert disk.expected_model in drive["model"], drive
        assert drive["path"] == bench.path(disk.name)
        assert drive["size_bytes"] == disk.size
        assert drive["eligible"] is True, drive["reasons"]
    assert found["RIGSCSI0001"]["vendor"] == "RIGVEND"

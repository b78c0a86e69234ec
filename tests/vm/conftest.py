"""One throwaway VM per session for the firmware-erase tests: a disk on every bus plus a faulty one.

Booting and warming the station's CLI under TCG is the expensive part, so every test in tests/vm
shares `bench`; each test seeds the disk content it relies on itself. The station's data dir is
on the rig's writable export, so the host reads the certificates the guest wrote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.rig import disks as rig_disks
from tests.rig import fixtures as rig_fixtures
from tests.rig.disks import Disk, Fault, MiB
from tests.rig.fixtures import VMFactory
from tests.rig.vm import VM, GuestResult

# The rig's fixtures, made visible to the tests in this folder.
rig_boot = rig_fixtures.rig_boot
rig_accel = rig_fixtures.rig_accel
rig_vms = rig_fixtures.rig_vms

ROOT = Path(__file__).resolve().parents[2]
DISK_SIZE = 16 * MiB  # small: an overwrite under TCG runs at a few MB/s
FAULT_SECTOR = 8192  # 4 MiB into the faulty disk; writes there fail with EIO
DATA = "data"  # the station's data dir, under the export
NVME2NS_SERIAL = "RIGNVME0002"  # one controller, two namespaces: both show this serial
VM_TIMEOUT = 1200  # per test, fixture setup included: TCG on a busy shared 2-core machine is slow


def bench_disks() -> list[Disk]:
    return [*rig_disks.standard_disks(DISK_SIZE),
            Disk("faulty", "scsi", serial="RIGBAD0001", vendor="RIGVEND", model="RIG BAD DISK", size=DISK_SIZE,
                 faults=[Fault(sector=FAULT_SECTOR, iotype="write")]),
            Disk("nvme2ns", "nvme", serial=NVME2NS_SERIAL, size=DISK_SIZE, namespaces=2)]


@dataclass
class Bench:
    vm: VM
    paths: dict[str, str] = field(default_factory=dict)  # serial -> /dev path in the guest

    def __repr__(self) -> str:
        return f"Bench({self.vm.workdir}, {self.vm.accel}, {self.paths})"

    @property
    def data_host(self) -> Path:
        return self.vm.share / DATA

    @property
    def data_guest(self) -> str:
        return self.vm.guest_path(self.data_host)

    def station(self, *argv: str, timeout: float = 900.0) -> GuestResult:
        return self.vm.station("--data-dir", self.data_guest, *argv, timeout=timeout)

    def station_json(self, *argv: str, ok_codes: tuple[int, ...] = (0,), timeout: float = 900.0) -> Any:
        res = self.station(*argv, "--json", timeout=timeout)
        assert res.returncode in ok_codes, f"{res.command} -> {res.returncode}\n{res.stderr[-3000:]}"
        return json.loads(res.stdout)

    def disk(self, name: str) -> Disk:
        return self.vm.disk(name)

    def path(self, name: str) -> str:
        return self.paths[self.disk(name).serial]

    def image(self, name: str) -> Path:
        image = self.disk(name).image
        assert image is not None
        return image

    def certificate(self, guest_path: str) -> dict[str, Any]:
        """A certificate the guest wrote, read by the host from the export."""
        host = self.vm.share / Path(guest_path).relative_to(self.vm.guest_path(self.vm.share))
        return dict(json.loads(host.read_text())["certificate"])

    def seed(self, *names: str) -> dict[str, int]:
        """Random data with markers written by the HOST into the images, then the guest's caches dropped."""
        counts = {name: rig_disks.seed(self.image(name)) for name in names}
        self.forget_caches()
        return counts

    def forget_caches(self) -> None:
        devices = " ".join(self.paths.values())
        self.vm.check(f"sync; for d in {devices}; do blockdev --flushbufs $d; done; echo 3 > /proc/sys/vm/drop_caches")


@pytest.fixture(scope="session")
def bench(rig_vms: VMFactory) -> Bench:
    vm = rig_vms(bench_disks(), name="bench")
    vm.start_station(wait=False)  # imports in the background while the rig's own tests run
    listing = json.loads(vm.check("lsblk --json --nodeps -o PATH,SERIAL"))
    paths = {d["serial"]: d["path"] for d in listing["blockdevices"] if d.get("serial")}
    missing = [d.serial for d in vm.disks if d.serial not in paths]
    udev = vm.share / "out" / "udev.done"
    assert not missing, (f"the guest does not see the disks {missing} (lsblk reads serials from udev: "
                         f"{udev.read_text().strip() if udev.exists() else 'not started'}):\n"
                         f"{json.dumps(listing)}\n{vm.diagnostics()}")
    return Bench(vm, paths)

"""pytest fixtures for the VM rig. Import them into a conftest.py:

    from tests.rig.fixtures import rig_boot, rig_accel, rig_vm_factory  # noqa: F401

`rig_boot` builds the initramfs once per session; `rig_accel` decides KVM or TCG once per session;
`rig_vm_factory(disks)` boots a VM and kills it when the requesting scope ends. A missing QEMU,
kernel or busybox FAILS the test with the package to install: the rig never skips.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.rig import initramfs
from tests.rig.disks import Disk
from tests.rig.initramfs import BootFiles, RigError
from tests.rig.vm import VM, choose_accel, qemu_binary

log = logging.getLogger(__name__)


@pytest.fixture(scope="session")
def rig_boot(tmp_path_factory: pytest.TempPathFactory) -> BootFiles:
    try:
        qemu_binary()
        return initramfs.build(tmp_path_factory.mktemp("rig-boot"))
    except RigError as exc:
        pytest.fail(f"the VM rig cannot be built: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def rig_accel(rig_boot: BootFiles, tmp_path_factory: pytest.TempPathFactory) -> str:
    accel, why = choose_accel(rig_boot, tmp_path_factory.mktemp("rig-kvm-probe"))
    log.warning("VM rig accelerator: %s (%s)", accel, why)
    return accel


VMFactory = Callable[..., VM]


def _factory(boot: BootFiles, accel: str, base: Path) -> Iterator[VMFactory]:
    started: list[VM] = []

    def make(disks: list[Disk], name: str = "vm", **options: object) -> VM:
        vm = VM(boot, base / f"{name}-{len(started)}", disks, accel=accel, **options)  # type: ignore[arg-type]
        started.append(vm)
        try:
            return vm.start()
        except RigError as exc:
            pytest.fail(f"the VM rig did not boot: {exc}", pytrace=False)

    try:
        yield make
    finally:
        for vm in started:
            vm.stop()


@pytest.fixture(scope="module")
def rig_vm_factory(rig_boot: BootFiles, rig_accel: str,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[VMFactory]:
    """Boot VMs that live until the end of the test module (boot once, run many commands)."""
    yield from _factory(rig_boot, rig_accel, tmp_path_factory.mktemp("rig-vm"))

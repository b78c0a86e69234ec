"""pytest fixtures for the VM rig. Import them into a conftest.py:

    from tests.rig.fixtures import rig_accel, rig_boot, rig_vms  # noqa: F401

`rig_boot` builds the initramfs once per session; `rig_accel` decides KVM or TCG once per session;
`rig_vms(disks, name=...)` boots a VM that is killed at the end of the session. For a VM that lives
only as long as one module, use `VM(rig_boot, workdir, disks, accel=rig_accel)` as a context manager
in a module-scoped fixture. A missing QEMU, kernel or busybox FAILS the test with the package to
install: the rig never skips.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.rig import initramfs
from tests.rig.accel import choose_accel, qemu_binary
from tests.rig.disks import Disk
from tests.rig.initramfs import BootFiles, RigError
from tests.rig.vm import VM

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


@pytest.fixture(scope="session")
def rig_vms(rig_boot: BootFiles, rig_accel: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VMFactory]:
    """Boot VMs on demand; every one is killed when the session ends, whatever happened."""
    base = tmp_path_factory.mktemp("rig-vm")
    started: list[VM] = []

    def make(disks: list[Disk], name: str = "vm", **options: Any) -> VM:
        vm = VM(rig_boot, base / f"{name}-{len(started)}", disks, accel=rig_accel, **options)
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

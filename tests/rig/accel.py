"""Which accelerator the rig uses, where QEMU is, and how its process dies with ours.

KVM is used only when a KVM guest really boots; a /dev/kvm that opens is not proof (nested
hosts may create a VM and then die on an MSR or hang). Otherwise TCG, which always works.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import shutil
import signal
import subprocess
from pathlib import Path

from tests.rig.initramfs import INSTALL_HINT, BootFiles, RigError

KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
_PR_SET_PDEATHSIG = 1


def kvm_usable() -> bool:
    """True when /dev/kvm opens and really creates a VM (a device node alone proves nothing)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if fcntl.ioctl(fd, KVM_GET_API_VERSION, 0) != 12:
            return False
        vm_fd = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
        os.close(vm_fd)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def probe_kvm(boot: BootFiles, workdir: Path, timeout: float = 15.0) -> str:
    """Boot the guest kernel under KVM to the first line of its init, then power off.

    Returns "" when KVM works, else why not. /dev/kvm can open and create a VM yet fail to run
    a guest (nested virtualization with a partial CPU model hangs or dies on an MSR), so only a
    real boot proves it.
    """
    if not kvm_usable():
        return "/dev/kvm is absent or cannot create a VM"
    workdir.mkdir(parents=True, exist_ok=True)
    console = workdir / "kvm-probe.log"
    argv = [qemu_binary(), "-machine", "q35,accel=kvm", "-cpu", "host", "-m", "256", "-nodefaults",
            "-no-user-config", "-display", "none", "-no-reboot", "-kernel", str(boot.kernel),
            "-initrd", str(boot.initramfs), "-append", "console=ttyS0 panic=-1 quiet rdinit=/init rig.probe",
            "-serial", f"file:{console}"]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=die_with_parent)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"a KVM guest did not reach its init within {timeout:.0f} s"
    if "probe done" in console.read_text(errors="replace"):
        return ""
    last = out.decode(errors="replace").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
    return f"a KVM guest failed to boot: {last[0]}"


def choose_accel(boot: BootFiles, workdir: Path) -> tuple[str, str]:
    """("kvm" | "tcg", why). STATION_RIG_ACCEL=kvm|tcg forces the choice without probing."""
    forced = os.environ.get("STATION_RIG_ACCEL", "").strip().lower()
    if forced in ("kvm", "tcg"):
        return forced, "forced by STATION_RIG_ACCEL"
    why_not = probe_kvm(boot, workdir)
    return ("tcg", why_not) if why_not else ("kvm", "KVM boots the guest")


def qemu_binary() -> str:
    path = shutil.which("qemu-system-x86_64")
    if not path:
        raise RigError(f"qemu-system-x86_64 is missing; {INSTALL_HINT} (package qemu-system-x86)")
    return path


def die_with_parent() -> None:
    # Runs in the child between fork and exec: the kernel kills QEMU if the test process dies first.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

"""Builds the rig's initramfs: busybox-static, the guest kernel's storage and 9p modules, and an init.

The init loads the modules, mounts the host's root (read-only 9p) and the rig's writable 9p
export, then chroots into the host root and runs the command agent. Nothing is copied from the
project: the guest runs the host's own .venv and tools through the read-only share.
"""

from __future__ import annotations

import lzma
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.rig import guest_init

# What the guest needs to reach the host root and see a disk on every bus QEMU offers here.
# crc32c/dm_mod are extra: 9p does not need them, but dm-error in the guest is a second fault injector.
MODULES = (
    "virtio_pci", "9pnet_virtio", "9p",
    "nvme", "ahci", "sd_mod", "sg", "virtio_scsi",
    "xhci_pci", "ehci_pci", "usb-storage", "uas",
    "overlay", "dm_mod",
)

BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
STEP_TIMEOUT = 60.0

# Shown to whoever runs the suite on a machine without the rig's packages.
INSTALL_HINT = "run `installer/system-packages.sh --test` (or `make test`), which installs them"


class RigError(RuntimeError):
    """The rig itself could not be built or booted; the message says what is missing and how to fix it."""


@dataclass(frozen=True)
class BootFiles:
    kernel: Path
    initramfs: Path
    release: str


def find_guest_kernel(boot: Path = Path("/boot")) -> tuple[Path, str]:
    """The newest Debian vmlinuz in /boot whose modules are installed (the guest kernel, not the host's)."""
    found = []
    for vmlinuz in boot.glob("vmlinuz-*"):
        release = vmlinuz.name.removeprefix("vmlinuz-")
        if (Path("/lib/modules") / release / "modules.dep").is_file():
            found.append((_version_key(release), vmlinuz, release))
    if not found:
        raise RigError(f"no guest kernel: /boot has no vmlinuz-* with modules in /lib/modules; {INSTALL_HINT} "
                       "(package linux-image-amd64)")
    found.sort()
    _, vmlinuz, release = found[-1]
    if not os.access(vmlinuz, os.R_OK):
        raise RigError(f"{vmlinuz} is not readable; run the VM tests as root")
    return vmlinuz, release


def uncompressed_kernel(vmlinuz: Path, release: str, workdir: Path) -> Path:
    """The ELF vmlinux inside Debian's xz bzImage, when the kernel has a PVH entry; else the bzImage itself.

    QEMU boots an ELF vmlinux directly through its PVH note, which skips the in-guest xz
    decompression: about 4 s saved per boot under TCG.
    """
    config = Path("/boot") / f"config-{release}"
    if not config.is_file() or "CONFIG_PVH=y" not in config.read_text(errors="replace"):
        return vmlinuz
    data = vmlinuz.read_bytes()
    start = data.find(b"\xfd7zXZ\x00")
    if start < 0:
        return vmlinuz
    try:
        elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
    except lzma.LZMAError:
        return vmlinuz
    if not elf.startswith(b"\x7fELF"):
        return vmlinuz
    out = workdir / f"vmlinux-{release}"
    out.write_bytes(elf)
    return out


def _version_key(release: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", release))


def module_files(release: str, names: tuple[str, ...] = MODULES) -> list[Path]:
    """Every .ko file `modprobe --show-depends` names for the modules, dependencies first, no repeats."""
    modprobe = shutil.which("modprobe") or "/usr/sbin/modprobe"
    if not Path(modprobe).exists():
        raise RigError(f"modprobe is missing; {INSTALL_HINT} (package kmod)")
    files: list[Path] = []
    for name in names:
        out = subprocess.run([modprobe, "-S", release, "--show-depends", name], capture_output=True, text=True,
                             timeout=STEP_TIMEOUT)
        if out.returncode != 0:
            raise RigError(f"modprobe cannot resolve module {name} for kernel {release}: {out.stderr.strip()}")
        for line in out.stdout.splitlines():
            parts = line.split()
            if parts and parts[0] == "insmod":
                path = Path(parts[1])
                if path not in files:
                    files.append(path)
    return files


def _busybox() -> Path:
    for candidate in BUSYBOX_CANDIDATES:
        path = Path(candidate)
        if path.is_file() and b"statically linked" in _file_kind(path):
            return path
    raise RigError(f"no statically linked busybox; {INSTALL_HINT} (package busybox-static)")


def _file_kind(path: Path) -> bytes:
    # The ELF program headers of a static binary carry no PT_INTERP; `file` says so in words.
    probe = shutil.which("file")
    if probe:
        return subprocess.run([probe, "-bL", str(path)], capture_output=True, timeout=STEP_TIMEOUT).stdout
    with path.open("rb") as fh:
        head = fh.read(4096)
    return b"statically linked" if b"ld-linux" not in head else b"dynamic"


def build(workdir: Path) -> BootFiles:
    """Stage the initramfs tree under workdir/stage and pack it as workdir/initramfs.cpio (newc)."""
    vmlinuz, release = find_guest_kernel()
    stage = workdir / "stage"
    if stage.exists():
        shutil.rmtree(stage)
    for d in ("bin", "sbin", "proc", "sys", "dev", "newroot", "etc", "ov"):
        (stage / d).mkdir(parents=True)
    shutil.copy2(_busybox(), stage / "bin" / "busybox")
    for applet in ("sh", "mount", "modprobe", "insmod", "mkdir", "chroot", "cat", "sleep", "poweroff", "echo", "grep"):
        (stage / "bin" / applet).symlink_to("busybox")
    # The kernel's request_module helper runs /sbin/modprobe inside the initramfs, even after the chroot.
    (stage / "sbin" / "modprobe").symlink_to("../bin/busybox")

    moddir = stage / "lib" / "modules" / release
    src_root = Path("/lib/modules") / release
    for ko in module_files(release):
        rel = ko.relative_to(src_root) if ko.is_relative_to(src_root) else Path("kernel") / ko.name
        (moddir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ko, moddir / rel)
    for meta in ("modules.order", "modules.builtin", "modules.builtin.modinfo"):
        if (src_root / meta).exists():
            shutil.copy2(src_root / meta, moddir / meta)
    depmod = shutil.which("depmod") or "/usr/sbin/depmod"
    dep = subprocess.run([depmod, "-b", str(stage), release], capture_output=True, text=True, timeout=STEP_TIMEOUT)
    if dep.returncode != 0:
        raise RigError(f"depmod failed on the initramfs modules: {dep.stderr.strip()}")

    init = stage / "init"
    init.write_text(guest_init.init_script(MODULES))
    init.chmod(0o755)

    cpio = shutil.which("cpio")
    if not cpio:
        raise RigError(f"cpio is missing; {INSTALL_HINT} (package cpio)")
    image = workdir / "initramfs.cpio"
    names = "\n".join(sorted(str(p.relative_to(stage)) for p in stage.rglob("*"))) + "\n"
    with image.open("wb") as out:
        packed = subprocess.run([cpio, "-o", "-H", "newc", "--quiet"], cwd=stage, input=names.encode(),
                                stdout=out, stderr=subprocess.PIPE, timeout=STEP_TIMEOUT)
    if packed.returncode != 0:
        raise RigError(f"cpio could not pack the initramfs: {packed.stderr.decode(errors='replace').strip()}")
    return BootFiles(kernel=uncompressed_kernel(vmlinuz, release, workdir), initramfs=image, release=release)

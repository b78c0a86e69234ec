"""A throwaway QEMU VM with a scratch disk on each storage bus, driven through a 9p command agent.

    with VM(boot, workdir, standard_disks()) as vm:
        res = vm.run("nvme id-ctrl -o json /dev/nvme0", timeout=30)

The guest runs Debian's kernel from /boot, chroots into the host root (read-only 9p) and runs
the host's own tools and .venv. Every step has a timeout and the VM is always killed on stop(),
on an exception, and (PR_SET_PDEATHSIG) if the test process itself dies.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.rig import guest_init
from tests.rig.accel import die_with_parent, qemu_binary
from tests.rig.disks import Disk
from tests.rig.initramfs import BootFiles, RigError

BOOT_TIMEOUT = {"kvm": 60.0, "tcg": 150.0}
STOP_GRACE = 5.0
STATION_WARM_TIMEOUT = 600.0  # importing the CLI under TCG on a busy 2-core machine


@dataclass
class GuestResult:
    command: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def check(self) -> GuestResult:
        if self.returncode != 0:
            raise AssertionError(f"guest command failed ({self.returncode}): {self.command}\n"
                                 f"--- stdout\n{self.stdout[-4000:]}\n--- stderr\n{self.stderr[-4000:]}")
        return self


@dataclass
class VM:
    boot: BootFiles
    workdir: Path
    disks: list[Disk]
    memory_mb: int = 1024
    cpus: int = 2
    accel: str = "tcg"
    udev: bool = True
    boot_seconds: float = 0.0
    _proc: subprocess.Popen[bytes] | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def share(self) -> Path:
        """The host side of the writable export; the guest sees it at guest_init.GUEST_SHARE."""
        return self.workdir / "share"

    @property
    def console_log(self) -> Path:
        return self.workdir / "console.log"

    def guest_path(self, host_path: Path) -> str:
        return f"{guest_init.GUEST_SHARE}/{host_path.relative_to(self.share)}"

    def disk(self, name: str) -> Disk:
        for d in self.disks:
            if d.name == name:
                return d
        raise KeyError(name)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self, timeout: float | None = None) -> VM:
        qemu = qemu_binary()
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.share.exists():
            shutil.rmtree(self.share)
        (self.share / "cmd").mkdir(parents=True)
        (self.share / "out").mkdir()
        shutil.copy2(Path(__file__).with_name(guest_init.AGENT_NAME), self.share / guest_init.AGENT_NAME)
        if self.udev:
            (self.share / "udev.on").write_text("1\n")
        for d in self.disks:
            d.create(self.workdir / "disks")
        argv = [qemu, *self.qemu_args()]
        (self.workdir / "qemu.argv").write_text(shlex.join(argv) + "\n")
        started = time.monotonic()
        with (self.workdir / "qemu.log").open("wb") as log:
            self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True, preexec_fn=die_with_parent)
        try:
            self._wait_ready(timeout if timeout is not None else BOOT_TIMEOUT[self.accel])
        except BaseException:
            self.stop()
            raise
        self.boot_seconds = time.monotonic() - started
        return self

    def qemu_args(self) -> list[str]:
        cpu = "host" if self.accel == "kvm" else "max"
        args = [
            "-machine", f"q35,accel={self.accel}", "-cpu", cpu, "-smp", str(self.cpus), "-m", str(self.memory_mb),
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-kernel", str(self.boot.kernel), "-initrd", str(self.boot.initramfs),
            "-append", "console=ttyS0 panic=-1 quiet loglevel=4 rdinit=/init mitigations=off",
            "-serial", f"file:{self.console_log}",
            "-virtfs", "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap",
            "-virtfs", f"local,path={self.share},mount_tag=rig,security_model=none,multidevs=remap",
        ]
        buses = {d.bus for d in self.disks}
        if "ata" in buses:
            args += ["-device", "ahci,id=ahci0"]
        if "scsi" in buses:
            args += ["-device", "virtio-scsi-pci,id=scsi0"]
        if "usb" in buses:
            args += ["-device", "qemu-xhci,id=xhci0"]
        ata_port = itertools.count()
        for d in self.disks:
            args += d.qemu_args(ata_port)
        return args

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        ready = self.share / "ready"
        while time.monotonic() < deadline:
            if ready.exists():
                return
            if self._proc is not None and self._proc.poll() is not None:
                raise RigError(f"the VM exited during boot (status {self._proc.returncode}).\n{self.diagnostics()}")
            time.sleep(0.1)
        raise RigError(f"the VM did not become ready within {timeout:.0f} s ({self.accel}).\n{self.diagnostics()}")

    def diagnostics(self, lines: int = 40) -> str:
        parts = []
        for name, path in (("qemu", self.workdir / "qemu.log"), ("console", self.console_log)):
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {name} ({path})\n" + "\n".join(tail))
        return "\n".join(parts)

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Kill the VM. There is nothing in the guest worth a clean shutdown: its root is read-only."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(STOP_GRACE)

    def __enter__(self) -> VM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- commands --------------------------------------------------------------------------------------------
    def run(self, command: str, timeout: float = 120.0, env: dict[str, str] | None = None,
            cwd: str = "/tmp") -> GuestResult:
        """Run a shell command in the guest (as root, in the chrooted host root) and return its outputs.

        The guest kills the command's process group after `timeout` seconds (exit 124, like
        coreutils `timeout`); the host gives up a little later if the guest itself stops answering.
        """
        spec = {"command": command, "timeout": timeout, "cwd": cwd, "env": env or {}}
        return self._submit(self.share, spec, command, timeout)

    def check(self, command: str, timeout: float = 120.0, env: dict[str, str] | None = None) -> str:
        return self.run(command, timeout=timeout, env=env).check().stdout

    def start_station(self, python: str = sys.executable, wait: bool = True,
                      timeout: float = STATION_WARM_TIMEOUT) -> dict[str, Any]:
        """Start the warm `station` runner (tests/rig/station_server.py) with the project's Python.

        With wait=False it imports in the background while other guest commands run; station()
        then waits for it. Returns what the runner reported when ready (import seconds, module count).
        """
        queue = self.share / "station"
        if not (queue / "server.log").exists():
            (queue / "cmd").mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(__file__).with_name("station_server.py"), queue / "station_server.py")
            guest_queue = self.guest_path(queue)
            self.run(f"setsid {shlex.quote(python)} {guest_queue}/station_server.py {guest_queue} "
                     f"> {guest_queue}/server.log 2>&1 < /dev/null &", timeout=30).check()
        return self.wait_station(timeout) if wait else {}

    def wait_station(self, timeout: float = STATION_WARM_TIMEOUT) -> dict[str, Any]:
        queue = self.share / "station"
        if not (queue / "server.log").exists():
            raise RigError("the station runner is not started: call start_station() first")
        deadline = time.monotonic() + timeout
        while not (queue / "ready").exists():
            log = (queue / "server.log").read_text(errors="replace")
            if "Traceback" in log or not self.alive():
                raise RigError(f"the station runner did not start in the guest:\n{log[-3000:]}\n{self.diagnostics()}")
            if time.monotonic() > deadline:
                raise RigError(f"the station runner was not ready within {timeout:.0f} s:\n{log[-3000:]}")
            time.sleep(0.1)
        return dict(json.loads((queue / "ready").read_text()))

    def station(self, *argv: str, timeout: float = 600.0, env: dict[str, str] | None = None,
                cwd: str = "/tmp") -> GuestResult:
        """`station ARGV...` in the guest, through the warm runner (start_station() first)."""
        queue = self.share / "station"
        self.wait_station()
        spec = {"argv": list(argv), "timeout": timeout, "cwd": cwd, "env": env or {}}
        return self._submit(queue, spec, shlex.join(["station", *argv]), timeout)

    def station_call(self, function: str, *args: Any, path: str = "", timeout: float = 600.0,
                     env: dict[str, str] | None = None) -> GuestResult:
        """Call "package.module:function"(*args) in a child of the warm runner; its return value is the exit code.

        For what the CLI does not offer by design; `path` goes first on the guest's sys.path.
        """
        queue = self.share / "station"
        self.wait_station()
        spec = {"call": function, "args": list(args), "path": path, "timeout": timeout, "cwd": "/tmp",
                "env": env or {}}
        return self._submit(queue, spec, f"{function}{tuple(args)!r}", timeout)

    def _submit(self, queue: Path, spec: dict[str, Any], label: str, timeout: float) -> GuestResult:
        """Drop one request into a queue folder of the export and wait for its .rc (see guest_agent.py)."""
        if not self.alive():
            raise RigError(f"the VM is not running.\n{self.diagnostics()}")
        n = next(self._ids)
        cmd_dir, out_dir = queue / "cmd", queue / "out"
        tmp = cmd_dir / f"{n}.tmp"
        tmp.write_text(json.dumps(spec))
        started = time.monotonic()
        tmp.rename(cmd_dir / f"{n}.json")
        rc_file = out_dir / f"{n}.rc"
        deadline = started + timeout + 30.0
        while not rc_file.exists():
            if not self.alive():
                raise RigError(f"the VM died while running: {label}\n{self.diagnostics()}")
            if time.monotonic() > deadline:
                raise RigError(f"the guest did not answer within {timeout:.0f} s for: {label}\n{self.diagnostics()}")
            time.sleep(0.02)
        return GuestResult(command=label, returncode=int(rc_file.read_text().strip() or "-1"),
                           stdout=(out_dir / f"{n}.out").read_text(errors="replace"),
                           stderr=(out_dir / f"{n}.err").read_text(errors="replace"),
                           seconds=time.monotonic() - started)

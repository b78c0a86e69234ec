"""Who else uses a block device, beyond what sysfs `holders` shows.

The kernel lists device-mapper and md above a disk in `holders`, but not a process
that opened the disk, mapped it into memory, or a loop device built on it. Those are
found here:
  processes  every /proc/PID/fd and /proc/PID/maps entry that is the device (by its
             device number, whatever node the process opened) or, for a loop device,
             its backing file (by filesystem and inode: a VM with the image open);
  loops      every attached loop device with what backs it: a block device (by device
             number) or a file on a filesystem (the filesystem's device number), read
             with LOOP_GET_STATUS64 so a lazily unmounted filesystem still counts.
Without root only the caller's own processes can be seen; the privileged worker, which
re-checks right before it writes, sees them all.
"""

from __future__ import annotations

import fcntl
import os
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path

from station.devices.drive.discover import read_sysfs
from station.i18n import N_, composed

# Kept in English in the guard's reasons (a refused job records them); shown translated (i18n.shown).
MAPPED, WRITING, OPEN = composed(N_("is mapped into memory by {command} (pid {pid})"),
                                 N_("is open for writing in {command} (pid {pid})"),
                                 N_("is open in {command} (pid {pid})"))

LOOP_GET_STATUS64 = 0x4C05
_LOOP_INFO64 = struct.Struct("=QQQ")  # lo_device, lo_inode, lo_rdevice: the first fields of struct loop_info64
_LOOP_INFO64_SIZE = 232
_SKIP_LINKS = ("socket:", "pipe:", "anon_inode:", "/proc/", "/sys/", "[", "/dev/pts/", "/dev/null")


def devnum(dev: int) -> str:
    return f"{os.major(dev)}:{os.minor(dev)}"


@dataclass(frozen=True)
class LoopInfo:
    name: str  # loop5
    num: str  # "7:5"
    backing_file: str
    backing_fs: str | None = None  # "maj:min" of the filesystem holding the backing file
    backing_ino: int | None = None
    backing_rdev: str | None = None  # "maj:min" when the backing file is itself a block device


@dataclass(frozen=True)
class Opener:
    pid: int
    command: str
    writes: bool
    mapped: bool = False

    @property
    def words(self) -> str:
        said = MAPPED if self.mapped else WRITING if self.writes else OPEN
        return said.format(command=self.command, pid=self.pid)


@dataclass
class Users:
    """One scan of the running system: block device "maj:min" -> processes, file inode -> processes."""

    loops: dict[str, LoopInfo] = field(default_factory=dict)
    blocks: dict[str, list[Opener]] = field(default_factory=dict)
    files: dict[tuple[int, int], list[Opener]] = field(default_factory=dict)


def read_loops(sys_root: str = "/sys") -> dict[str, LoopInfo]:
    out: dict[str, LoopInfo] = {}
    for entry in sorted(Path(sys_root, "block").glob("loop*")):
        backing = read_sysfs(entry / "loop" / "backing_file")
        if not backing:
            continue
        fs = ino = rdev = None
        if sys_root == "/sys":
            info = _loop_status(f"/dev/{entry.name}")
            if info is not None:
                fs, ino, rdev = devnum(info[0]), info[1], devnum(info[2]) if info[2] else None
        if fs is None:  # no access to the node (not root): the path in sysfs, while it still resolves
            try:
                st = os.stat(backing.removesuffix(" (deleted)"))
                fs, ino = devnum(st.st_dev), st.st_ino
                rdev = devnum(st.st_rdev) if stat.S_ISBLK(st.st_mode) else None
            except OSError:
                pass
        out[entry.name] = LoopInfo(entry.name, read_sysfs(entry / "dev"), backing, fs, ino, rdev)
    return out


def _loop_status(node: str) -> tuple[int, int, int] | None:
    try:
        fd = os.open(node, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        buf = fcntl.ioctl(fd, LOOP_GET_STATUS64, bytes(_LOOP_INFO64_SIZE))
    except OSError:
        return None
    finally:
        os.close(fd)
    device, inode, rdevice = _LOOP_INFO64.unpack_from(buf)
    return device, inode, rdevice


def _text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def _writes(base: str, fd: str) -> bool:
    for line in _text(f"{base}/fdinfo/{fd}").splitlines():
        if line.startswith("flags:"):
            return int(line.split()[1], 8) & os.O_ACCMODE != os.O_RDONLY
    return True  # unknown: assume the worst


def scan(proc: str = "/proc", sys_root: str = "/sys", ignore_pids: frozenset[int] = frozenset()) -> Users:
    """Every process's open block devices, and its hold on any loop device's backing file.
    Plain string paths and a substring test before parsing maps: this runs on every rescan."""
    users = Users(loops=read_loops(sys_root))
    wanted = {(dev_of(lo.backing_fs), lo.backing_ino) for lo in users.loops.values()
              if lo.backing_fs and lo.backing_ino is not None}
    inodes = {f" {ino} " for _, ino in wanted}
    try:
        pids = [int(p) for p in os.listdir(proc) if p.isdigit()]
    except OSError:
        return users
    for pid in pids:
        if pid in ignore_pids:
            continue
        base = f"{proc}/{pid}"
        command = _text(f"{base}/comm").strip() or "?"
        seen: set[tuple[str, object]] = set()
        try:
            fds = os.listdir(f"{base}/fd")
        except OSError:  # gone, or another user's process seen without root
            fds = []
        for fd in fds:
            link_path = f"{base}/fd/{fd}"
            try:
                link = os.readlink(link_path)
                if link.startswith(_SKIP_LINKS):
                    continue
                st = os.stat(link_path)
            except OSError:
                continue
            if stat.S_ISBLK(st.st_mode):
                key: tuple[str, object] = ("b", st.st_rdev)
                if key not in seen:
                    seen.add(key)
                    users.blocks.setdefault(devnum(st.st_rdev), []).append(Opener(pid, command, _writes(base, fd)))
            elif (st.st_dev, st.st_ino) in wanted and ("f", (st.st_dev, st.st_ino)) not in seen:
                seen.add(("f", (st.st_dev, st.st_ino)))
                users.files.setdefault((st.st_dev, st.st_ino), []).append(Opener(pid, command, _writes(base, fd)))
        maps = _text(f"{base}/maps")
        if " /dev/" in maps or any(i in maps for i in inodes):
            _scan_maps(maps, pid, command, wanted, users, seen)
    return users


def dev_of(num: str | None) -> int:
    major, _, minor = (num or "0:0").partition(":")
    return os.makedev(int(major), int(minor or 0))


def _scan_maps(maps: str, pid: int, command: str, wanted: set[tuple[int, int]], users: Users,
               seen: set[tuple[str, object]]) -> None:
    for line in maps.splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) < 6 or not parts[5].startswith("/"):
            continue
        perms, dev, inode, path = parts[1], parts[3], int(parts[4]), parts[5]
        writes = "w" in perms and "s" in perms
        major, _, minor = dev.partition(":")
        file_key = (os.makedev(int(major, 16), int(minor, 16)), inode)
        if file_key in wanted and ("m", file_key) not in seen:
            seen.add(("m", file_key))
            users.files.setdefault(file_key, []).append(Opener(pid, command, writes, mapped=True))
        elif path.startswith("/dev/"):
            try:
                st = os.stat(path)
            except OSError:
                continue
            if stat.S_ISBLK(st.st_mode) and ("m", st.st_rdev) not in seen:
                seen.add(("m", st.st_rdev))
                users.blocks.setdefault(devnum(st.st_rdev), []).append(Opener(pid, command, writes, mapped=True))

"""The system-disk guard: which drives may never be offered for a wipe, and why.

A drive is refused when anything built on it is in use: the drive itself, any of its
partitions, everything stacked above them through sysfs `holders` (dm-crypt, LVM, md
RAID, multipath), and every loop device backed by one of them or by a file on one of
their filesystems, followed to the top. "In use" means: mounted (from
/proc/self/mountinfo, including btrfs member devices), active swap, the filesystem that
holds the station's data folder, any active holder, or open or memory-mapped by a
process (named with its pid). A loop device is also in use while a process (a VM) holds
its backing file or another loop device is attached to the same file. Write-protected
and empty drives are refused too. There is no force flag: the reasons are shown instead.

The last word belongs to the kernel: the engine opens the drive O_EXCL, which fails
while anything mounts or holds it, and `probe_exclusive` asks the same question early.
O_EXCL does not keep out a plain open, so the worker checks the processes again once it
holds the drive.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from station.devices.drive import discover
from station.devices.drive.discover import SYS, Drive, read_sysfs
from station.devices.drives import Verdict
from station.erase import disk_users
from station.i18n import N_, composed

# The reasons stay English where they are made: the worker's refusal records them. The screen shows them
# through i18n.shown(), in the interface language.
(ON, LOOP_BACKS, LOOP_FILE, BACKING_USER, BACKING_TWICE, RUNNING_SYSTEM, SYSTEM_MOUNT, MOUNTED, SWAP, DATA_DIR,
 PART_OF, WRITE_PROTECTED, NO_MEDIA, BUSY, UNREACHABLE, CANNOT_OPEN) = composed(
    N_("{reason} (on {node})"),
    N_("backs loop device /dev/{loop}"),
    N_("holds {file}, the backing file of loop device /dev/{loop}"),
    N_("its backing file {file} {use}"),
    N_("its backing file {file} is also attached as /dev/{loop}"),
    N_("holds the running system"),
    N_("holds the system's {mountpoint}"),
    N_("has a mounted filesystem at {mountpoint}"),
    N_("is used as swap"),
    N_("holds the station's data folder {folder}"),
    N_("is part of {holders}"),
    N_("is write-protected"),
    N_("has no media (size 0)"),
    N_("is in use by another program (the kernel refused exclusive access)"),
    N_("is not reachable (no media or disconnected)"),
    N_("cannot be opened ({why})"))
HOLDERS = {"CRYPT": N_("encrypted volume {name}"), "LVM": N_("LVM volume {name}"), "md": N_("RAID array {name}"),
           "dm": N_("device-mapper volume {name}"), "": N_("stacked device {name}")}
composed(*HOLDERS.values())

# The firmware recheck's reasons, recorded by the failed job: English there, shown through i18n.shown().
GONE, DEVICE_REASON = composed(N_("/dev/{name} is not connected any more"), N_("/dev/{name} {reason}"))

SYSTEM_MOUNTS = ("/", "/boot", "/boot/efi", "/efi", "/usr", "/var")


def _unescape(text: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def _devnum(path: str) -> str | None:
    try:
        rdev = os.stat(path).st_rdev
    except OSError:
        return None
    return f"{os.major(rdev)}:{os.minor(rdev)}" if rdev else None


@dataclass
class SystemView:
    """What the running system uses, read once per scan: block device "maj:min" -> uses."""

    mounts: dict[str, list[str]] = field(default_factory=dict)
    swaps: set[str] = field(default_factory=set)
    data_dir: str | None = None
    data_dir_dev: str | None = None
    users: disk_users.Users = field(default_factory=disk_users.Users)

    @classmethod
    def read(cls, data_dir: Path | None = None, proc: str = "/proc", sys_root: str = SYS, *,
             ignore_pids: frozenset[int] | None = None) -> SystemView:
        """`ignore_pids`: processes whose hold is ours (the worker itself); this process by default."""
        view = cls()
        view.users = disk_users.scan(proc, sys_root, frozenset({os.getpid()}) if ignore_pids is None else ignore_pids)
        for line in Path(proc, "self", "mountinfo").read_text().splitlines():
            left, _, right = line.partition(" - ")
            parts, rparts = left.split(), right.split()
            if len(parts) < 5 or len(rparts) < 2:
                continue
            num, mountpoint, source = parts[2], _unescape(parts[4]), _unescape(rparts[1])
            if not Path(sys_root, "dev", "block", num).exists():  # btrfs, overlay: anonymous numbers
                num = (_devnum(source) if source.startswith("/dev/") else None) or num
            view.mounts.setdefault(num, []).append(mountpoint)
        for members in Path(sys_root, "fs", "btrfs").glob("*/devices/*"):
            num = read_sysfs(members / "dev")
            if num:
                # data: a mount point's place, shown inside MOUNTED as it is
                view.mounts.setdefault(num, []).append(f"a btrfs filesystem ({members.parent.parent.name[:8]})")
        try:
            for line in Path(proc, "swaps").read_text().splitlines()[1:]:
                src = _unescape(line.split()[0]) if line.split() else ""
                swap = _devnum(src)
                if swap:
                    view.swaps.add(swap)
        except OSError:
            pass
        if data_dir is not None:
            view.data_dir = str(data_dir)
            try:
                st = os.stat(data_dir if data_dir.exists() else data_dir.parent)
                view.data_dir_dev = f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}"
            except OSError:
                pass
        return view


def stack(name: str, sys_root: str = SYS) -> list[tuple[str, str]]:
    """(kernel name, "maj:min") of the drive, its partitions, and every holder above them."""
    base = Path(sys_root, "block", name)
    found: list[tuple[str, str]] = [(name, read_sysfs(base / "dev"))]
    todo = [base, *sorted(p for p in base.iterdir() if (p / "partition").exists())] if base.exists() else []
    for p in todo[1:]:
        found.append((p.name, read_sysfs(p / "dev")))
    seen = {name}
    while todo:
        node = todo.pop()
        for holder in sorted((node / "holders").glob("*")) if (node / "holders").exists() else []:
            if holder.name in seen:
                continue
            seen.add(holder.name)
            hbase = Path(sys_root, "class", "block", holder.name)
            found.append((holder.name, read_sysfs(hbase / "dev")))
            todo.append(hbase)
    return found


def _holder_words(name: str, sys_root: str) -> str:
    dm_name = read_sysfs(Path(sys_root, "class", "block", name, "dm", "name"))
    uuid = read_sysfs(Path(sys_root, "class", "block", name, "dm", "uuid"))
    kind = ("CRYPT" if uuid.startswith("CRYPT") else "LVM" if uuid.startswith("LVM")
            else "md" if name.startswith("md") else "dm" if name.startswith("dm") else "")
    return HOLDERS[kind].format(name=dm_name or name)


def _loops_above(nodes: list[tuple[str, str]], view: SystemView, sys_root: str,
                 reasons: list[str], drive_name: str) -> list[tuple[str, str]]:
    """Loop devices built on any node, recursively, with their own stacks; their reasons added."""
    found: list[tuple[str, str]] = []
    known = {num for _, num in nodes if num}
    todo = list(nodes)
    while todo:
        node, num = todo.pop(0)
        if not num:
            continue
        for loop in view.users.loops.values():
            if loop.num in known or num not in (loop.backing_rdev, loop.backing_fs):
                continue
            if loop.backing_rdev == num:
                reasons.append(_on(LOOP_BACKS.format(loop=loop.name), node, drive_name))
            else:
                reasons.append(_on(LOOP_FILE.format(file=loop.backing_file, loop=loop.name), node, drive_name))
            above = stack(loop.name, sys_root)
            known.update(n for _, n in above if n)
            found += above
            todo += above
    return found


def _backing_file_users(drive: Drive, view: SystemView) -> list[str]:
    """A loop device's image file is the drive: a VM or another loop device on it is a user."""
    me = view.users.loops.get(drive.name)
    if me is None or me.backing_fs is None or me.backing_ino is None:
        return []
    key = (disk_users.dev_of(me.backing_fs), me.backing_ino)
    out = [BACKING_USER.format(file=me.backing_file, use=o.words) for o in view.users.files.get(key, [])]
    out += [BACKING_TWICE.format(file=me.backing_file, loop=other.name)
            for other in view.users.loops.values()
            if other.name != me.name and (other.backing_fs, other.backing_ino) == (me.backing_fs, me.backing_ino)]
    return out


def _on(reason: str, node: str, drive_name: str) -> str:
    """A reason found on a partition or a device above the drive names where."""
    return reason if node == drive_name else ON.format(reason=reason, node=node)


def check(drive: Drive, view: SystemView, sys_root: str = SYS) -> Verdict:
    """Every reason this drive must not be wiped, in plain words; eligible when there are none."""
    reasons: list[str] = []
    nodes = stack(drive.name, sys_root)
    holders = [n for n, _ in nodes if n != drive.name and not Path(sys_root, "block", drive.name, n).exists()]
    nodes += _loops_above(nodes, view, sys_root, reasons, drive.name)
    reasons += _backing_file_users(drive, view)
    for node, num in nodes:
        found: list[str] = [opener.words for opener in view.users.blocks.get(num, [])] if num else []
        for mountpoint in view.mounts.get(num, []):
            if mountpoint in SYSTEM_MOUNTS:
                found.append(RUNNING_SYSTEM if mountpoint == "/" else SYSTEM_MOUNT.format(mountpoint=mountpoint))
            else:
                found.append(MOUNTED.format(mountpoint=mountpoint))
        if num in view.swaps:
            found.append(SWAP)
        if num and num == view.data_dir_dev:
            found.append(DATA_DIR.format(folder=view.data_dir))
        reasons += [_on(r, node, drive.name) for r in found]
    if holders:
        reasons.append(PART_OF.format(holders=", ".join(_holder_words(h, sys_root) for h in holders)))
    if drive.read_only:
        reasons.append(WRITE_PROTECTED)
    if drive.facts.size_bytes == 0:
        reasons.append(NO_MEDIA)
    return Verdict(not reasons, tuple(dict.fromkeys(reasons)))


def controller_namespaces(name: str, sys_root: str = SYS) -> list[str]:
    """Every namespace (kernel name) of the NVMe controller that `name` belongs to, `name` included."""
    real = Path(os.path.realpath(Path(sys_root, "class", "block", name)))
    if not re.fullmatch(r"nvme\d+n\d+", name) or not real.parent.is_dir():
        return [name]
    found = sorted((p.name for p in real.parent.iterdir() if re.fullmatch(r"nvme\d+n\d+", p.name)
                    and (p / "dev").exists()), key=lambda n: int(n.rpartition("n")[2]))
    return found or [name]


def recheck(names: list[str], data_dir: Path | None, sys_root: str = SYS) -> list[str]:
    """Right before a firmware erase: every reason any of these devices must not be erased (in English: the
    failed job records them)."""
    view = SystemView.read(data_dir, sys_root=sys_root)
    reasons = []
    for name in names:
        try:
            drive = discover.from_sysfs(name, sys_root)
        except OSError:
            reasons.append(GONE.format(name=name))
            continue
        v = check(drive, view, sys_root)
        reasons += [DEVICE_REASON.format(name=name, reason=r) for r in v.reasons]
    return reasons


def probe_exclusive(path: str) -> str | None:
    """Ask the kernel whether we could have the drive to ourselves; the reason when not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_EXCL | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.EBUSY:
            return BUSY
        if exc.errno in (errno.ENOMEDIUM, errno.ENXIO, errno.ENODEV, errno.ENOENT):
            return UNREACHABLE
        return CANNOT_OPEN.format(why=exc.strerror)
    os.close(fd)
    return None


def verdict(drive: Drive, view: SystemView, sys_root: str = SYS, *, exclusive: bool = True) -> Verdict:
    """check() plus, for a drive that looks free, the kernel's own answer."""
    result = check(drive, view, sys_root)
    if result.eligible and exclusive:
        busy = probe_exclusive(drive.path)
        if busy:
            return Verdict(False, (busy,))
    return result

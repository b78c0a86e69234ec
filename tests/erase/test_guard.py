"""The system-disk guard: real loop devices for mounts, partitions, write protection and
exclusive opens; a sysfs tree laid out like the kernel's for the stacks this host cannot
build (no device-mapper, no md): LVM on a partition, LUKS under LVM, RAID members."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from station.devices.drive import discover
from station.erase import guard
from tests.erase import wipe_fixtures
from tests.erase.wipe_fixtures import LoopFactory, MiB

pytestmark = pytest.mark.timeout(60)


# -- a sysfs tree shaped like the kernel's ------------------------------------------------
def disk(sys: Path, name: str, dev: str, parts: dict[str, str] | None = None) -> Path:
    base = sys / "block" / name
    (base / "holders").mkdir(parents=True)
    (base / "dev").write_text(dev + "\n")
    (base / "size").write_text(str(2 * 1024 * 1024) + "\n")
    (base / "ro").write_text("0\n")
    (sys / "class" / "block").mkdir(parents=True, exist_ok=True)
    for part, pdev in (parts or {}).items():
        (base / part / "holders").mkdir(parents=True)
        (base / part / "partition").write_text("1\n")
        (base / part / "dev").write_text(pdev + "\n")
    return base


def holder(sys: Path, below: Path, name: str, dev: str, dm_name: str = "", uuid: str = "") -> Path:
    node = sys / "class" / "block" / name
    if not node.exists():
        (node / "holders").mkdir(parents=True)
        (node / "dev").write_text(dev + "\n")
        if dm_name:
            (node / "dm").mkdir()
            (node / "dm" / "name").write_text(dm_name + "\n")
            (node / "dm" / "uuid").write_text(uuid + "\n")
    (below / "holders" / name).mkdir()
    return node


def verdict_of(sys: Path, name: str, view: guard.SystemView) -> guard.Verdict:
    return guard.check(discover.from_sysfs(name, str(sys)), view, str(sys))


def test_lvm_root_on_a_partition_is_refused(tmp_path: Path) -> None:
    sys = tmp_path / "sys"
    sda = disk(sys, "sda", "8:0", {"sda1": "8:1", "sda2": "8:2"})
    holder(sys, sda / "sda2", "dm-0", "253:0", "vg0-root", "LVM-abcdef")
    v = verdict_of(sys, "sda", guard.SystemView(mounts={"253:0": ["/"], "8:1": ["/boot"]}))
    assert not v.eligible
    assert "holds the running system (on dm-0)" in v.reasons
    assert "holds the system's /boot (on sda1)" in v.reasons
    assert "is part of LVM volume vg0-root" in v.reasons


def test_luks_under_lvm_is_followed_to_the_top(tmp_path: Path) -> None:
    sys = tmp_path / "sys"
    sdb = disk(sys, "sdb", "8:16")
    crypt = holder(sys, sdb, "dm-1", "253:1", "luks-1234", "CRYPT-LUKS2-1234-luks-1234")
    holder(sys, crypt, "dm-2", "253:2", "vg1-home", "LVM-xyz")
    v = verdict_of(sys, "sdb", guard.SystemView(mounts={"253:2": ["/home"]}))
    assert v.reasons[0] == "has a mounted filesystem at /home (on dm-2)"
    assert "is part of encrypted volume luks-1234, LVM volume vg1-home" in v.reasons
    # Even when nothing on it is mounted, an open encrypted volume keeps the disk refused.
    assert not verdict_of(sys, "sdb", guard.SystemView()).eligible


def test_raid_members_swap_and_the_data_folder(tmp_path: Path) -> None:
    sys = tmp_path / "sys"
    sdc, sdd = disk(sys, "sdc", "8:32"), disk(sys, "sdd", "8:48")
    holder(sys, sdc, "md0", "9:0")
    holder(sys, sdd, "md0", "9:0")
    for name in ("sdc", "sdd"):
        assert verdict_of(sys, name, guard.SystemView()).reasons == ("is part of RAID array md0",)
    disk(sys, "sde", "8:64", {"sde1": "8:65", "sde2": "8:66"})
    v = verdict_of(sys, "sde", guard.SystemView(swaps={"8:66"}, data_dir="/srv/station", data_dir_dev="8:65"))
    assert v.reasons == ("holds the station's data folder /srv/station (on sde1)", "is used as swap (on sde2)")
    disk(sys, "sdf", "8:80")
    assert verdict_of(sys, "sdf", guard.SystemView()).eligible


def test_the_disk_holding_root_and_the_data_folder_is_refused(tmp_path: Path) -> None:
    view = guard.SystemView.read(tmp_path)
    drives = {d.name: d for d in discover.list_drives(enrich=False)}
    verdicts = {name: guard.check(d, view) for name, d in drives.items()}
    root_dev = next(line.split()[2] for line in Path("/proc/self/mountinfo").read_text().splitlines()
                    if line.split()[4] == "/")
    root_sys = Path("/sys/dev/block", root_dev)
    if root_sys.exists():  # "/" lives on a block device here: its whole disk must be refused
        real = Path(os.path.realpath(root_sys))
        name = real.parent.name if (real / "partition").exists() else real.name
        assert any("holds the running system" in r for r in verdicts[name].reasons), verdicts[name]
    data_dev = os.stat(tmp_path).st_dev
    data_sys = Path(f"/sys/dev/block/{os.major(data_dev)}:{os.minor(data_dev)}")
    if data_sys.exists():
        real = Path(os.path.realpath(data_sys))
        name = real.parent.name if (real / "partition").exists() else real.name
        assert any("data folder" in r for r in verdicts[name].reasons)
    assert not any(v.eligible and "running system" in v.text for v in verdicts.values())


def test_a_mounted_loop_is_refused_and_an_idle_one_offered(loops: LoopFactory, tmp_path: Path) -> None:
    idle, busy = loops(8 * MiB), loops(16 * MiB, seed=None)
    mnt = loops.mount(busy, tmp_path / "mnt")
    view = guard.SystemView.read(tmp_path / "data")
    v_busy = guard.verdict(discover.find(busy.path), view)
    assert not v_busy.eligible and v_busy.reasons == (f"has a mounted filesystem at {mnt}",)
    v_idle = guard.verdict(discover.find(idle.path), view)
    assert v_idle.eligible and v_idle.text == "ready to wipe"


def test_the_kernel_is_asked_too(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    fd = os.open(loop.path, os.O_RDONLY | os.O_EXCL)  # another program holding the drive exclusively
    try:
        v = guard.verdict(discover.find(loop.path), guard.SystemView.read(tmp_path))
        assert v.reasons == ("is in use by another program (the kernel refused exclusive access)",)
    finally:
        os.close(fd)
    assert guard.verdict(discover.find(loop.path), guard.SystemView.read(tmp_path)).eligible


def test_partitions_are_followed(loops: LoopFactory, tmp_path: Path) -> None:
    image = tmp_path / "parted.img"
    wipe_fixtures.write_file(image, 32 * MiB, None)
    loop = loops.attach(image, "--partscan")
    # This kernel parses no partition tables; add the partitions the way partx does (BLKPG).
    subprocess.run(["addpart", loop, "1", "2048", "16384"], check=True, capture_output=True)
    subprocess.run(["addpart", loop, "2", "18432", str(32 * 2048 - 18432)], check=True, capture_output=True)
    part = f"{loop}p2"
    for _ in range(50):  # the nodes appear as devtmpfs catches up
        if Path(part).exists():
            break
        time.sleep(0.05)
    where = loops.mount(part, tmp_path / "p2")
    name = Path(loop).name
    v = guard.verdict(discover.find(loop), guard.SystemView.read(tmp_path / "data"))
    assert v.reasons == (f"has a mounted filesystem at {where} (on {name}p2)",)
    with pytest.raises(Exception, match=f"is a partition; wipe the whole drive /dev/{name}"):
        discover.find(part)


def test_write_protected_and_swap(loops: LoopFactory, tmp_path: Path) -> None:
    ro = loops(8 * MiB, extra=("--read-only",))
    assert guard.verdict(discover.find(ro.path), guard.SystemView.read(tmp_path)).reasons == ("is write-protected",)
    swap = loops(8 * MiB)
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    shutil.copy("/proc/self/mountinfo", proc / "self" / "mountinfo")
    (proc / "swaps").write_text("Filename\tType\tSize\tUsed\tPriority\n"
                                f"{swap.path}                              partition\t8188\t0\t-2\n")
    view = guard.SystemView.read(tmp_path, proc=str(proc))
    assert guard.check(discover.find(swap.path), view).reasons == ("is used as swap",)


def test_the_reasons_are_kept_in_english_and_shown_in_the_interface_language(tmp_path: Path) -> None:
    """The Wipe panel showed a refused disk's reasons in English in every language."""
    from station import i18n

    sys = tmp_path / "sys"
    sdb = disk(sys, "sdb", "8:16", {"sdb1": "8:17"})
    crypt = holder(sys, sdb / "sdb1", "dm-1", "253:1", "luks-1234", "CRYPT-LUKS2-1234-luks-1234")
    holder(sys, crypt, "dm-2", "253:2", "vg1-home", "LVM-xyz")
    v = verdict_of(sys, "sdb", guard.SystemView(mounts={"253:2": ["/home"], "8:17": ["/boot"]}, swaps={"8:16"}))
    try:
        i18n.use("pl")
        assert v.shown == ("jest używany jako swap; zawiera systemowy /boot (na sdb1); ma zamontowany system plików w "
                           "/home (na dm-2); jest częścią: zaszyfrowany wolumin luks-1234, wolumin LVM vg1-home")
        i18n.use("es")
        assert v.shown.startswith("se usa como swap; contiene /boot del sistema (en sdb1); "), v.shown
        assert guard.Verdict(True).shown == "listo para borrar"
    finally:
        i18n.use("en")
    # What a refused job records stays English, whatever the interface speaks.
    assert v.text.startswith("is used as swap; holds the system's /boot (on sdb1); has a mounted filesystem"), v.text
    assert v.shown == v.text


def test_a_firmware_jobs_reasons_are_kept_in_english_and_shown_in_the_interface_language(tmp_path: Path) -> None:
    """A firmware erase refused at its recheck, or failed, showed its recorded reason in English in every
    language on the Wipe panel and in the history."""
    from station import i18n
    from station.erase import firmware

    sys = tmp_path / "sys"
    disk(sys, "sdb", "8:16", {})
    reasons = [*guard.recheck(["sdz"], None, sys_root=str(sys)), guard.GONE.format(name="sdc")]
    failed = firmware.NOTHING_ERASED.format(reason=firmware.UNSUPPORTED.format(reason="SANITIZE is not supported"))
    try:
        i18n.use("es")
        assert [i18n.shown(r) for r in reasons] == ["/dev/sdz no tiene medio (tamaño 0)",
                                                    "/dev/sdc ya no está conectado"]
        assert i18n.shown(failed) == "el dispositivo no lo admite: SANITIZE is not supported; no se borró nada"
    finally:
        i18n.use("en")
    assert reasons == ["/dev/sdz has no media (size 0)", "/dev/sdc is not connected any more"]
    assert failed == "unsupported by the device: SANITIZE is not supported; nothing was erased"

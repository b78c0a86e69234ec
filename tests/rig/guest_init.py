"""The initramfs /init of the rig's guest, and where the guest sees the rig's writable export.

The init loads the storage and 9p modules, mounts the host root (read-only 9p, cached: it does
not change under a running VM) and the writable export (uncached: both sides write it), puts
tmpfs on every directory a program may write, chroots into the host root and runs the command
agent (tests/rig/guest_agent.py) with the host's own Python.
"""

from __future__ import annotations

GUEST_SHARE = "/run/rig"  # the writable export inside the guest (a mount point on the /run tmpfs)
MSIZE = 512 * 1024  # 9p message size; larger messages make imports over the read-only share faster
AGENT_NAME = "guest_agent.py"

_INIT = r"""#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { read -r up _ < /proc/uptime; echo "rig-init [$up]: $*" > /dev/console; }
die() { say "FATAL $*"; poweroff -f; sleep 5; echo o > /proc/sysrq-trigger; }
say "start"
grep -q rig.probe /proc/cmdline && { say "probe done"; poweroff -f; }
for m in @MODULES@; do modprobe "$m" || say "module $m did not load"; done
say "modules loaded"
R=/newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=@MSIZE@,cache=loose host $R || die "cannot mount the host root"
mount -t proc proc $R/proc || die "cannot mount /proc"
mount -t sysfs sysfs $R/sys || die "cannot mount /sys"
mount -t devtmpfs devtmpfs $R/dev || die "cannot mount /dev"
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
# The host root is read-only here: everything the guest writes goes to tmpfs or the rig export.
# /tmp and /var/tmp get a tmpfs overlay, not a bare tmpfs, so a project checked out there stays visible.
mount -t tmpfs tmpfs /ov
for d in /tmp /var/tmp; do
  [ -d $R$d ] || continue
  mkdir -p /ov$d/upper /ov$d/work
  mount -t overlay overlay -o lowerdir=$R$d,upperdir=/ov$d/upper,workdir=/ov$d/work $R$d ||
    mount -t tmpfs tmpfs $R$d
done
mount -t tmpfs tmpfs $R/run
mkdir -p $R@SHARE@
mount -t 9p -o trans=virtio,version=9p2000.L,msize=@MSIZE@,cache=mmap rig $R@SHARE@ || die "cannot mount the rig export"
if [ -f $R@SHARE@/udev.on ]; then
  # udev, like on a real bench machine (it fills the ID_* properties discovery reads), started
  # beside the agent. Only storage and USB are triggered: all of /sys costs about 10 s under TCG.
  # The test runs inside the chroot: the host's udevd path is often an absolute symlink.
  chroot $R /bin/sh -c 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin; exec >@SHARE@/out/udev.log 2>&1
    if [ ! -x /lib/systemd/systemd-udevd ]; then echo "absent on the host" > @SHARE@/out/udev.done; exit; fi
    /lib/systemd/systemd-udevd --daemon --resolve-names=never && udevadm trigger --action=add \
      --subsystem-match=block --subsystem-match=scsi_generic --subsystem-match=nvme --subsystem-match=usb &&
    udevadm settle --timeout=60; echo $? > @SHARE@/out/udev.done' &
fi
say "chroot"
exec chroot $R /usr/bin/python3 -I @SHARE@/@AGENT@ @SHARE@
"""


def init_script(modules: tuple[str, ...]) -> str:
    return (_INIT.replace("@MODULES@", " ".join(modules)).replace("@MSIZE@", str(MSIZE))
            .replace("@SHARE@", GUEST_SHARE).replace("@AGENT@", AGENT_NAME))

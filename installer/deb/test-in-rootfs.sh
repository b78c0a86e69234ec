#!/usr/bin/env bash
# `make deb-test` (CI; needs deb.debian.org and root; on a busy 2-core machine about 23 minutes for the rootfs
# and 20 more for the VM under TCG):
# 1. mmdebstrap makes a minimal Debian 12 where apt installs both packages from dist/, resolving every
#    dependency from Debian; inside it, `station --version`, a first start headless as one technician
#    (`station db migrate`) and `station db check` as another, both in the shared /var/lib/triage-station.
# 2. That rootfs, as an ext4 image, boots under QEMU on this machine's Debian kernel and initrd with systemd
#    as init; PostgreSQL comes up, README.Debian's database step runs, systemd starts triage-hub as its own
#    user and /v1/health answers. The verdict comes back on the serial console.
#    (installer/deb/boot-rootfs.sh)
#   installer/deb/test-in-rootfs.sh [DIST]      STATION_RIG_ACCEL=kvm|tcg to force an accelerator
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dist="$(cd "${1:-dist}" && pwd)"
station="$(ls "$dist"/triage-station_*_amd64.deb)"; hub="$(ls "$dist"/triage-hub_*_amd64.deb)"
work="$(mktemp -d /var/tmp/deb-test.XXXXXX)"
trap 'rm -rf "$work"' EXIT
t0=$SECONDS
step() { echo "deb-test: $* ($(( SECONDS - t0 )) s)"; }

mmdebstrap --variant=apt --include=ca-certificates,systemd-sysv,dbus,postgresql \
  --customize-hook="copy-in $station $hub /tmp" \
  --customize-hook="chroot \"\$1\" apt-get install -y -q --no-install-recommends /tmp/$(basename "$hub") /tmp/$(basename "$station")" \
  --customize-hook='chroot "$1" /usr/bin/station --version' \
  --customize-hook='chroot "$1" sh -c "useradd -m -G triage ana && useradd -m -G triage bo"' \
  --customize-hook='chroot "$1" runuser -u ana -- env QT_QPA_PLATFORM=offscreen /usr/bin/station db migrate' \
  --customize-hook='chroot "$1" runuser -u bo -- /usr/bin/station db check | tee "$1/tmp/db-check.txt"' \
  --customize-hook='grep -q "^database: /var/lib/triage-station/station.sqlite3" "$1/tmp/db-check.txt"' \
  --customize-hook='chroot "$1" /usr/bin/triage-hub --help >/dev/null' \
  --customize-hook='chroot "$1" getent passwd triage-hub' \
  --customize-hook="copy-in $here/rootfs/deb-test-hub /usr/local/sbin" \
  --customize-hook="copy-in $here/rootfs/deb-test-hub.service /etc/systemd/system" \
  --customize-hook='chroot "$1" systemctl enable deb-test-hub.service' \
  bookworm "$work/rootfs" http://deb.debian.org/debian
step "both packages installed from a clean Debian 12; station --version, db migrate and db check ran"

# No device node is needed to make the image: mkfs.ext4 -d copies the tree in.
mkfs.ext4 -q -L root -d "$work/rootfs" "$work/root.img" 4G
rm -rf "$work/rootfs"
step "ext4 image made"
"$here/boot-rootfs.sh" "$work/root.img" "$work/console.log"
step "triage-hub started under systemd in the VM and answered /v1/health"

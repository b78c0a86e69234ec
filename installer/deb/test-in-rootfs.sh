#!/usr/bin/env bash
# `make deb-test` (CI; needs root, and deb.debian.org on a cold run):
# 1. A minimal Debian 12 made by mmdebstrap, into which apt installs both packages from dist/; inside it,
#    `station --version`, every station module byte-compiled by postinst, a first start headless as one technician (`station db migrate`) and `station db check`
#    as another, both in the shared /var/lib/triage-station.
# 2. That rootfs, as an ext4 image, boots under QEMU on this machine's Debian kernel and initrd with systemd
#    as init; PostgreSQL comes up, README.Debian's database step runs, systemd starts triage-hub as its own
#    user, /v1/health and the console's sign-in page answer. The verdicts come back on the serial console.
#    (installer/deb/boot-rootfs.sh)
# The Debian part is cached: a tarball of Debian 12 with the packages' Depends already resolved by apt from
# Debian, named after a hash of the suite, the mirror and both Depends fields, in DEB_TEST_CACHE (default
# ~/.cache/triage-station/deb-test). A warm run installs the packages into a copy with no apt lists, so a
# dependency the tarball lacks fails the install instead of being fetched; a changed Depends is a new hash.
#   installer/deb/test-in-rootfs.sh [DIST]      STATION_RIG_ACCEL=kvm|tcg to force an accelerator
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dist="$(cd "${1:-dist}" && pwd)"
station="$(ls "$dist"/triage-station_*_amd64.deb)"; hub="$(ls "$dist"/triage-hub_*_amd64.deb)"
cache="${DEB_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/triage-station/deb-test}"
suite=bookworm
mirror=http://deb.debian.org/debian
work="$(mktemp -d /var/tmp/deb-test.XXXXXX)"
trap 'rm -rf "$work"' EXIT
t0=$SECONDS
step() { echo "deb-test: $* ($(( SECONDS - t0 )) s)"; }

# What the rootfs needs besides the packages: PostgreSQL and systemd for the boot, the CA list for HTTPS.
depends="ca-certificates, systemd-sysv, dbus, postgresql, $(dpkg-deb --field "$station" Depends), $(dpkg-deb --field "$hub" Depends)"
key="$(printf '%s\n' "$suite" "$mirror" "$depends" | sha256sum | cut -c1-16)"
base="$cache/$suite-$key.tar.zst"
if [ -f "$base" ]; then
  step "warm: Debian 12 with the packages' Depends from $base"
else
  mkdir -p "$cache"
  # `apt-get satisfy` takes the Depends fields as written (versions, alternatives) and resolves them from Debian.
  mmdebstrap --variant=apt \
    --customize-hook="chroot \"\$1\" apt-get satisfy -y -q --no-install-recommends \"$depends\"" \
    "$suite" "$work/base.tar.zst" "$mirror"
  # Only the newest base is kept: each is about 230 MB.
  find "$cache" -maxdepth 1 -name "$suite-*.tar.zst" -delete
  mv "$work/base.tar.zst" "$base"
  step "cold: Debian 12 made by mmdebstrap, the packages' Depends resolved from Debian, cached in $base"
fi

rootfs="$work/rootfs"
mkdir "$rootfs"
tar --zstd --numeric-owner --xattrs --xattrs-include='*' -xpf "$base" -C "$rootfs"
cp "$station" "$hub" "$rootfs/tmp/"
install -m 0755 "$here/rootfs/deb-test-hub" "$rootfs/usr/local/sbin/"
install -m 0644 "$here/rootfs/deb-test-hub.service" "$rootfs/etc/systemd/system/"
# In a mount namespace of its own, so /proc, /sys and /dev inside the rootfs go away with it.
unshare --mount --fork bash -s "$rootfs" "$(basename "$hub")" "$(basename "$station")" <<'INSIDE'
set -euo pipefail
root="$1"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
in_root() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
  chroot "$root" "$@"; }
set -x
in_root apt-get install -y -q --no-install-recommends "/tmp/$2" "/tmp/$3"
in_root /usr/bin/station --version
# postinst byte-compiles each venv as root: the bench user cannot write /opt, so a module left without its
# .pyc would be compiled again at every start.
in_root /opt/triage-hub/.venv/bin/python - <<'PY'
import importlib.util, pathlib, sys
modules = {v: list(pathlib.Path(f"/opt/{v}/.venv/lib/python3.11/site-packages/station").rglob("*.py"))
           for v in ("triage-station", "triage-hub")}
if not all(modules.values()):  # a moved venv must not pass as "nothing missing"
    sys.exit(f"no station modules found in {[v for v, found in modules.items() if not found]}")
missing = [str(p) for found in modules.values() for p in found
           if not pathlib.Path(importlib.util.cache_from_source(str(p))).exists()]
print(f"byte-compiled by postinst: {sum(map(len, modules.values()))} station modules in both venvs "
      f"({len(missing)} missing)")
sys.exit(f"not byte-compiled: {missing[:5]}" if missing else 0)
PY
in_root sh -c "useradd -m -G triage ana && useradd -m -G triage bo"
in_root runuser -u ana -- env QT_QPA_PLATFORM=offscreen /usr/bin/station db migrate
in_root runuser -u bo -- /usr/bin/station db check | tee "$root/tmp/db-check.txt"
grep -q "^database: /var/lib/triage-station/station.sqlite3" "$root/tmp/db-check.txt"
in_root /usr/bin/triage-hub --help >/dev/null
in_root getent passwd triage-hub
in_root systemctl enable deb-test-hub.service
rm "$root/tmp/$2" "$root/tmp/$3" "$root/tmp/db-check.txt"
INSIDE
step "both packages installed by apt; station --version, db migrate and db check ran"

# No device node is needed to make the image: mkfs.ext4 -d copies the tree in.
mkfs.ext4 -q -L root -d "$rootfs" "$work/root.img" 4G
rm -rf "$rootfs"
step "ext4 image made"
"$here/boot-rootfs.sh" "$work/root.img" "$work/console.log"
step "triage-hub started under systemd in the VM and answered /v1/health and /console/sign-in"

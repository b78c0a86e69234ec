#!/usr/bin/env bash
# Boots IMAGE (an ext4 root filesystem made by test-in-rootfs.sh) under QEMU on this machine's Debian kernel
# and initrd, systemd as init, and waits for the deb-test-hub unit's verdicts on the serial console.
#   installer/deb/boot-rootfs.sh IMAGE [CONSOLE_LOG]      STATION_RIG_ACCEL=kvm|tcg to force an accelerator
set -euo pipefail
image="$1"
log="${2:-$(dirname "$image")/console.log}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
t0=$SECONDS
kernel="$(ls /boot/vmlinuz-* | sort -V | tail -1)"
release="${kernel#/boot/vmlinuz-}"
initrd="/boot/initrd.img-$release"
# As the VM rig does (tests/rig/initramfs.py): QEMU boots the ELF inside Debian's xz bzImage through its PVH
# entry, which spares TCG the in-guest decompression.
boot="$(python3 - "$kernel" "/boot/config-$release" "$work/vmlinux" <<'PY'
import lzma, sys
kernel, config, out = sys.argv[1:]
data = open(kernel, "rb").read()
start = data.find(b"\xfd7zXZ\x00")
try:
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:]) if start >= 0 else b""
except lzma.LZMAError:
    elf = b""
if "CONFIG_PVH=y" in open(config, errors="replace").read() and elf.startswith(b"\x7fELF"):
    open(out, "wb").write(elf)
    print(out)
else:
    print(kernel)
PY
)"
case "${STATION_RIG_ACCEL:-}" in
  kvm) accel=(-accel kvm -cpu host) ;;
  tcg) accel=(-accel tcg -cpu max) ;;
  # KVM only when a KVM guest really gets as far as its kernel's panic (no root given) and powers off:
  # on nested hosts /dev/kvm may open and the guest then hang, as the VM rig found (tests/rig/accel.py).
  *) if [ -w /dev/kvm ] && timeout 20 qemu-system-x86_64 -accel kvm -cpu host -display none -no-reboot \
          -nodefaults -kernel "$boot" -append "panic=-1" -m 256 >/dev/null 2>&1; then
       accel=(-accel kvm -cpu host)
     else
       accel=(-accel tcg -cpu max)
     fi ;;
esac
echo "deb-test: booting $image on $release (${accel[*]})"
# systemd.firstboot=off: an empty machine-id must not make systemd-firstboot ask questions on the console.
timeout 1500 qemu-system-x86_64 "${accel[@]}" -machine q35 -m 2048 -smp 2 -display none -nodefaults \
  -no-reboot -serial "file:$log" -kernel "$boot" -initrd "$initrd" \
  -drive "file=$image,format=raw,if=virtio" \
  -append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.firstboot=off" </dev/null \
  || { tail -60 "$log"; echo "deb-test: the VM did not power off by itself in 25 minutes" >&2; exit 1; }
grep -a "DEB-TEST" "$log" || true
grep -aq "DEB-TEST HEALTH OK" "$log" && grep -aq "DEB-TEST CONSOLE OK" "$log" && ! grep -aq "DEB-TEST FAILED" "$log" \
  || { tail -80 "$log"; exit 1; }
echo "deb-test: the VM booted, started triage-hub under systemd; it answered /v1/health and /console/sign-in" \
  "($(( SECONDS - t0 )) s)"

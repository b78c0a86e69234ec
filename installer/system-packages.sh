#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the station needs. Safe to run again:
# it installs only what is missing, and does nothing when everything is present.
#   installer/system-packages.sh          runtime packages (make run)
#   installer/system-packages.sh --test   runtime + test peers (make test)
#   installer/system-packages.sh --print-runtime   list the runtime packages (the .deb's Depends)
set -euo pipefail

RUNTIME=(
  python3 python3-venv python3-dev
  # Qt's xcb platform plugin on a real X11 display; the offscreen plugin hides their absence.
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0
  libxkbcommon0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0
  # drive discovery and firmware-level erase
  util-linux smartmontools hdparm nvme-cli sg3-utils
  # Android phones; platform-tools-common carries the udev rules (51-android.rules) that let the bench user open them
  adb android-sdk-platform-tools-common
  # iPhones and iPads: usbmuxd multiplexes their USB connection (its udev rule starts it on plug)
  usbmuxd
  # label and certificate fonts
  fonts-dejavu-core
  # DataMatrix on labels (pylibdmtx loads it)
  libdmtx0b
  # aplay: the good/bad/repeat tone on every scan
  alsa-utils
)
TEST=(
  xvfb xauth e2fsprogs poppler-utils
  x11-xserver-utils           # xrdb: a desktop DPI (Xft.dpi) for the Xvfb font-scaling test
  nwipe                       # the open-source peer the wipe benchmark compares against
  postgresql                  # the hub's real store in tests
  qemu-system-x86 qemu-utils linux-image-amd64 busybox-static kmod cpio udev   # firmware-erase VM rig
  lintian mmdebstrap          # `make deb` is checked by lintian, and installed into a clean Debian 12 rootfs
  gettext                     # xgettext/msgfmt: `make translations`, and the catalogue tests
  chromium chromium-driver    # the hub's web console is tested in a real browser (Selenium, nothing downloaded)
)
# Needed to build a venv, not to run the packaged one (the .deb carries its own venv).
BUILD_ONLY=(python3-venv python3-dev)

if [[ "${1:-}" == "--print-runtime" ]]; then
  for p in "${RUNTIME[@]}"; do
    [[ " ${BUILD_ONLY[*]} " == *" $p "* ]] || echo "$p"
  done
  exit 0
fi

want=("${RUNTIME[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${TEST[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "installer: not a Debian/Ubuntu system; install these by hand: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "installer: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

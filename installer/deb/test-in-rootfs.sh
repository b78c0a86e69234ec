#!/usr/bin/env bash
# `make deb-test`: a minimal Debian 12 made by mmdebstrap (needs deb.debian.org), where apt installs both
# packages from dist/ resolving every dependency from Debian, then each command runs inside it.
# About 6 minutes on a 2-core machine, most of it downloading and byte-compiling the station's venv.
set -euo pipefail
dist="$(cd "${1:-dist}" && pwd)"
station="$(ls "$dist"/triage-station_*_amd64.deb)"; hub="$(ls "$dist"/triage-hub_*_amd64.deb)"
mmdebstrap --variant=apt --include=ca-certificates \
  --customize-hook="copy-in $station $hub /tmp" \
  --customize-hook="chroot \"\$1\" apt-get install -y -q --no-install-recommends /tmp/$(basename "$hub") /tmp/$(basename "$station")" \
  --customize-hook='chroot "$1" /usr/bin/triage-hub --help' \
  --customize-hook='chroot "$1" env QT_QPA_PLATFORM=offscreen /usr/bin/station --help' \
  --customize-hook='chroot "$1" getent group triage' \
  --customize-hook='chroot "$1" getent passwd triage-hub' \
  bookworm /dev/null http://deb.debian.org/debian
echo "deb-test: both packages installed and ran in a clean Debian 12"

#!/usr/bin/env bash
# Bench installation (run once as root on a station machine, after `make run` works):
#  - the 'triage' group for scanners, printers and the wipe helper, with USER added to it. Not 'disk':
#    raw write access to every disk would bypass the helper, which refuses system disks.
#  - udev rules (scanner/printer access, ModemManager kept away from scanners)
#  - the desktop entry, so technicians start the station from the menu
#  - the privileged wipe helper and its polkit policy (pkexec)
# Usage: sudo installer/install-system.sh [USER]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
user="${1:-${SUDO_USER:-}}"
if [[ $(id -u) -ne 0 ]]; then echo "run as root (sudo $0 USER)" >&2; exit 1; fi

getent group triage >/dev/null || groupadd --system triage
if [[ -n "$user" ]]; then usermod -aG triage,video "$user"; fi

install -m 0644 "$here/udev/70-triage-station.rules" /etc/udev/rules.d/70-triage-station.rules
if command -v udevadm >/dev/null; then udevadm control --reload && udevadm trigger || true; fi

install -m 0644 "$here/triage-station.desktop" /usr/share/applications/triage-station.desktop
install -D -m 0644 "$here/triage-station.svg" /usr/share/icons/hicolor/scalable/apps/triage-station.svg

# The privileged wipe helper (run through pkexec; root-owned so only root can change what runs as root)
install -D -m 0755 "$here/station-wipe-helper" /usr/local/libexec/triage-station/station-wipe-helper
if [[ -d "$here/polkit" ]]; then
  for f in "$here"/polkit/*.policy; do
    [[ -e "$f" ]] && install -D -m 0644 "$f" "/usr/share/polkit-1/actions/$(basename "$f")"
  done
  # Optional: members of 'triage' run the helper with their own password instead of an administrator's.
  [[ -e "$here/polkit/50-triage-station-wipe.rules" ]] && \
    install -D -m 0644 "$here/polkit/50-triage-station-wipe.rules" /etc/polkit-1/rules.d/50-triage-station-wipe.rules
fi
echo "installed: udev rules, desktop entry, wipe helper${user:+, group membership for $user (log out and in again)}"
echo "drives are written only through the helper: set wipe.helper = \"pkexec /usr/local/libexec/triage-station/station-wipe-helper\" in the station's settings"

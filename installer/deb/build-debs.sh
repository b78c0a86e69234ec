#!/usr/bin/env bash
# `make deb`: builds triage-station_<version>_amd64.deb and triage-hub_<version>_amd64.deb into dist/.
# Each package carries its own venv under /opt, made from the project's wheel with Debian's
# /usr/bin/python3.11 and packed by dpkg-deb: the Python dependencies (PySide6, OpenCV, FastAPI)
# are far newer than Debian 12 ships, so they come from wheels; everything else comes from Debian.
#   installer/deb/build-debs.sh [OUTDIR]       (needs the project's .venv for pip; `make deb` sets it up)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)"
pip=("$root/.venv/bin/python" -m pip)
python=/usr/bin/python3.11
version="$("$python" -c 'import re,sys; print(re.search(r"__version__ = \"(.+)\"", open(sys.argv[1]).read())[1])' \
  "$root/station/__init__.py")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"${pip[@]}" wheel -q --no-deps --wheel-dir "$work/wheel" "$root"
wheel="$(ls "$work"/wheel/triage_station-*.whl)"

# A venv built in the staging tree, then made to live at /opt/NAME/.venv: bin/python is a symlink to
# Debian's python3.11 and site-packages are found relative to it; only the scripts' #! lines and the
# activate files name the staging path.
make_venv() {  # stage dest extra
  local stage="$1" dest="$2" extra="$3" venv="$1$2/.venv"
  "$python" -m venv --without-pip "$venv"
  "${pip[@]}" --python "$venv/bin/python" install -q --no-compile "$wheel[$extra]"
  grep -rlI --null "$stage" "$venv/bin" "$venv/pyvenv.cfg" | xargs -0 -r sed -i "s|$stage||g"
  find "$venv" -name '__pycache__' -prune -exec rm -rf {} +
  find "$venv" -name '*.so*' -type f -exec chmod 0644 {} +
  # Files some wheels mark executable that are neither programs nor scripts (certifi's tests): plain files.
  find "$venv/lib" -type f -perm /111 ! -name '*.so*' -print0 | while IFS= read -r -d '' f; do
    case "$(head -c 4 "$f" | od -An -c | tr -d ' ')" in '#!'*|'177ELF') ;; *) chmod 0644 "$f" ;; esac
  done
  # reportlab's own fonts are for its bitmap renderer and demos: the station's PDFs use Debian's DejaVu or
  # the PDF base fonts, which are named, never embedded. Its Type 1 fonts carry Adobe code with no licence to
  # pass it on, and Vera is Debian's ttf-bitstream-vera again.
  rm -rf "$venv/lib/python3.11/site-packages/reportlab/fonts"
  # A wheel's stray .gitignore (a test folder's) is no part of the program.
  find "$venv" -name '.git*' -type f -delete
}

docs() {  # stage name: the copyright, changelog and lintian overrides every package carries
  local doc="$1/usr/share/doc/$2"
  install -d "$doc" "$1/usr/share/lintian/overrides"
  printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: %s\n\nFiles: *\nCopyright: 2025-%s Triage Station maintainers\nLicense: GPL-3.0-or-later\n On Debian systems the full text is in /usr/share/common-licenses/GPL-3.\n\nFiles: opt/*/.venv/lib/*\nCopyright: the authors of each bundled Python package\nLicense: various\n Each package states its licence in its .dist-info folder.\n' "$2" "$(date -u +%Y)" > "$doc/copyright"
  printf '%s (%s) unstable; urgency=medium\n\n  * Built from the project tree by make deb.\n\n -- Triage Station maintainers <triage-station@example.org>  %s\n' \
    "$2" "$version" "$(date -R)" | gzip -9n > "$doc/changelog.gz"
  # The overrides every package needs, then the package's own (installer/deb/{station,hub}/lintian-overrides).
  cat "$root/installer/deb/lintian-overrides" "$root/installer/deb/${2#triage-}/lintian-overrides" \
    | sed "/^\(#\|\$\)/!s/^/$2: /" > "$1/usr/share/lintian/overrides/$2"
}

manpage() {  # stage name summary command...: a short page made from the command's own --help
  local stage="$1" name="$2" summary="$3" page
  shift 3
  page="$stage/usr/share/man/man1/$name.1"
  install -d "$(dirname "$page")"
  {
    printf '.TH %s 1 "%s" "%s %s" "User Commands"\n.SH NAME\n%s \\- %s\n.SH DESCRIPTION\n.nf\n' \
      "${name^^}" "$(date -u +%Y-%m-%d)" "$name" "$version" "$name" "$summary"
    # roff reads a leading . or ' as a request and \ as an escape: neutralise both in the help text.
    env QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=1 COLUMNS=80 "$@" --help | sed -e 's/\\/\\e/g' -e "s/^[.']/\\\\\&&/"
    printf '.fi\n.SH SEE ALSO\n/usr/share/doc/%s/\n' "$name"
  } | gzip -9n > "$page.gz"
}

control() {  # stage name depends description
  local stage="$1" size
  size="$(du -sk --apparent-size "$stage" | cut -f1)"
  mkdir -p "$stage/DEBIAN"
  cat > "$stage/DEBIAN/control" <<CONTROL
Package: $2
Version: $version
Architecture: amd64
Maintainer: Triage Station maintainers <triage-station@example.org>
Installed-Size: $size
Depends: $3
Section: utils
Priority: optional
Homepage: https://localhost/triage-station
Description: $4
CONTROL
}

pack() {  # stage
  find "$1" -type d -exec chmod 0755 {} +
  dpkg-deb --root-owner-group -Zzstd -z3 --build "$1" "$out" >/dev/null
}

# --- triage-station -----------------------------------------------------------------------------
st="$work/triage-station"
make_venv "$st" /opt/triage-station station
here="$root/installer"
install -D -m 0755 "$here/deb/station/station" "$st/usr/bin/station"
install -D -m 0755 "$here/station-wipe-helper" "$st/usr/libexec/triage-station/station-wipe-helper"
install -D -m 0644 "$here/triage-station.desktop" "$st/usr/share/applications/triage-station.desktop"
install -D -m 0644 "$here/triage-station.svg" "$st/usr/share/icons/hicolor/scalable/apps/triage-station.svg"
install -D -m 0644 "$here/triage-station.metainfo.xml" "$st/usr/share/metainfo/triage-station.metainfo.xml"
install -D -m 0644 "$here/udev/70-triage-station.rules" "$st/usr/lib/udev/rules.d/70-triage-station.rules"
# Packages install under /usr, not /usr/local: the policy names the helper where the package puts it.
install -d "$st/usr/share/polkit-1/actions" "$st/usr/share/polkit-1/rules.d"
sed 's|/usr/local/libexec/|/usr/libexec/|' "$here/polkit/org.triage-station.wipe.policy" \
  > "$st/usr/share/polkit-1/actions/org.triage-station.wipe.policy"
install -m 0644 "$here/polkit/50-triage-station-wipe.rules" "$st/usr/share/polkit-1/rules.d/"
install -D -m 0644 "$root/README.md" "$st/usr/share/doc/triage-station/README.md"
install -D -m 0640 "$here/deb/station/station.toml" "$st/etc/triage-station/station.toml"
install -d "$st/DEBIAN"
install -m 0755 "$here/deb/station/postinst" "$here/deb/station/postrm" "$st/DEBIAN/"
echo /etc/triage-station/station.toml > "$st/DEBIAN/conffiles"
docs "$st" triage-station
manpage "$st" station "bench triage: intake, grading, photos, certified wipe, routing and labels" \
  "$st/opt/triage-station/.venv/bin/python" -m station
# python-barcode's font is Debian's DejaVu Sans Mono, which fonts-dejavu-core (in Depends) installs.
ln -sf /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf \
  "$st/opt/triage-station/.venv/lib/python3.11/site-packages/barcode/fonts/DejaVuSansMono.ttf"
# Essential packages (util-linux) are on every Debian system and are not named in Depends (Policy 3.5).
runtime="$("$here/system-packages.sh" --print-runtime | grep -vx util-linux)"
depends="libc6, python3.11, passwd, pkexec, $(echo "$runtime" | paste -sd, | sed 's/,/, /g')"
control "$st" triage-station "$depends" "bench triage: intake, grading, photos, certified wipe, routing and labels
 The bench application for used devices: scan, grade, photograph, erase with a
 certificate, route and label. Drives are written only by a privileged helper
 started through polkit; members of the 'triage' group use scanners and
 printers."
pack "$st"

# --- triage-hub ---------------------------------------------------------------------------------
hb="$work/triage-hub"
# [console]: the hub serves its web console and the public /verify page too (it pulls in [hub]).
make_venv "$hb" /opt/triage-hub console
install -D -m 0755 "$here/deb/hub/triage-hub" "$hb/usr/bin/triage-hub"
install -D -m 0644 "$here/deb/hub/triage-hub.service" "$hb/usr/lib/systemd/system/triage-hub.service"
install -D -m 0640 "$here/deb/hub/hub.toml" "$hb/etc/triage-hub/hub.toml"
install -D -m 0644 "$here/deb/hub/README.Debian" "$hb/usr/share/doc/triage-hub/README.Debian"
install -d "$hb/DEBIAN"
install -m 0755 "$here/deb/hub/postinst" "$here/deb/hub/postrm" "$hb/DEBIAN/"
echo /etc/triage-hub/hub.toml > "$hb/DEBIAN/conffiles"
docs "$hb" triage-hub
manpage "$hb" triage-hub "central hub of the triage stations" "$hb/opt/triage-hub/.venv/bin/python" -m station hub
control "$hb" triage-hub "libc6, python3.11, passwd" "central hub of the triage stations (HTTP service over PostgreSQL)
 Collects the stations' records, publishes grading matrices, rules and label
 layouts to them, and answers supervisors' read-only queries."
pack "$hb"
ls "$out"/triage-station_"$version"_amd64.deb "$out"/triage-hub_"$version"_amd64.deb

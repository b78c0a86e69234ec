"""`make deb`: both packages build, hold what a bench or a hub server needs, and their venvs run.

Slow (about 3 minutes: two venvs and a 180 MB package). Chroot-less: each package is unpacked
with dpkg-deb and its own venv runs the command line on this machine's Debian python3.11.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from station.config import Config

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.deb, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def debs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([str(ROOT / "installer" / "deb" / "build-debs.sh"), str(out)], check=True, capture_output=True,
                   timeout=840)
    return {p.name.split("_")[0]: p for p in out.glob("*.deb")}


@pytest.fixture(scope="module")
def unpacked(debs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Each package unpacked once for all its tests: the station's is 245 MB, and unpacking it or the hub's
    took seconds of CPU per test. The tests only read the tree (and run its venv's commands)."""
    roots: dict[str, Path] = {}

    def root(package: str) -> Path:
        if package not in roots:
            roots[package] = _unpack(debs[package], tmp_path_factory.mktemp(package))
        return roots[package]

    return root


def _field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), name], capture_output=True, text=True,
                          check=True).stdout.strip()


def _unpack(deb: Path, into: Path) -> Path:
    subprocess.run(["dpkg-deb", "--extract", str(deb), str(into)], check=True)
    subprocess.run(["dpkg-deb", "--control", str(deb), str(into / "DEBIAN")], check=True)
    return into


def _run(root: Path, venv: str, *args: str) -> subprocess.CompletedProcess[str]:
    # The console script as installed (its #! names /opt/...; here run by the unpacked venv's python).
    python = root / venv.lstrip("/") / "bin" / "python"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STATION_DATA_DIR": str(root / "data")}
    return subprocess.run([str(python), str(python.parent / "station"), *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_station_package(debs: dict[str, Path], unpacked: Callable[[str], Path]) -> None:
    deb = debs["triage-station"]
    assert deb.name.endswith("_amd64.deb") and _field(deb, "Version")
    depends = {d.strip() for d in _field(deb, "Depends").split(",")}
    runtime = subprocess.run([str(ROOT / "installer" / "system-packages.sh"), "--print-runtime"], capture_output=True,
                             text=True, check=True).stdout.split()
    # util-linux is Essential: on every Debian system, and lintian rejects it unversioned in Depends.
    assert set(runtime) - {"util-linux"} <= depends and {"python3.11", "pkexec"} <= depends
    assert "util-linux" in runtime and "util-linux" not in depends

    root = unpacked("triage-station")
    for path in ("usr/share/applications/triage-station.desktop", "usr/share/metainfo/triage-station.metainfo.xml",
                 "usr/share/icons/hicolor/scalable/apps/triage-station.svg",
                 "usr/lib/udev/rules.d/70-triage-station.rules",
                 "usr/share/polkit-1/rules.d/50-triage-station-wipe.rules"):
        assert (root / path).is_file(), path
    helper = root / "usr/libexec/triage-station/station-wipe-helper"
    assert os.access(helper, os.X_OK)
    policy = (root / "usr/share/polkit-1/actions/org.triage-station.wipe.policy").read_text()
    assert "/usr/libexec/triage-station/station-wipe-helper" in policy and "/usr/local" not in policy
    assert "/opt/triage-station/.venv/bin/python" in helper.read_text()
    assert "exec /opt/triage-station/.venv/bin/station" in (root / "usr/bin/station").read_text()
    postinst = (root / "DEBIAN/postinst").read_text()
    assert "groupadd --system triage" in postinst
    # The shared-bench layout: IT's settings in /etc mark the install, the data is the triage group's.
    assert "/etc/triage-station/station.toml" in (root / "DEBIAN/conffiles").read_text().split()
    assert "install -d -o root -g triage -m 2770 /var/lib/triage-station" in postinst
    helper_setting = Config.load(root / "etc/triage-station/station.toml")["wipe.helper"]
    assert helper_setting == f"pkexec /{helper.relative_to(root)}"

    venv = root / "opt/triage-station/.venv"
    assert (venv / "bin/station").read_text().startswith("#!/opt/triage-station/.venv/bin/python\n")
    assert os.readlink(venv / "bin/python").startswith(("python3.11", "/usr/bin/python3"))
    # The venv was built in a staging tree under /tmp; nothing in it may still point there.
    assert not any("/tmp/" in p.read_text(errors="replace") for p in [*(venv / "bin").iterdir(), venv / "pyvenv.cfg"]
                   if p.is_file() and not p.is_symlink())
    assert list(venv.glob("lib/python3.11/site-packages/station/data/*.toml"))
    r = _run(root, "/opt/triage-station/.venv", "--help")
    assert r.returncode == 0 and "usage: station" in r.stdout, r.stderr
    # reportlab's own fonts are left out and python-barcode's is Debian's: the PDFs still come out.
    site = venv / "lib/python3.11/site-packages"
    assert not (site / "reportlab/fonts").exists() and not list(venv.rglob(".gitignore"))
    font = os.readlink(site / "barcode/fonts/DejaVuSansMono.ttf")
    assert font == "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
    pdf = subprocess.run([str(venv / "bin/python"), "-c", "import sys; from station.certs.pdf import render_batch;"
                          " sys.stdout.buffer.write(render_batch('Lot 7', [], [('a.pdf', 'bad signature')]))"],
                         capture_output=True, timeout=120, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert pdf.returncode == 0 and pdf.stdout.startswith(b"%PDF-"), pdf.stderr[-2000:]


def test_hub_package(unpacked: Callable[[str], Path]) -> None:
    root = unpacked("triage-hub")
    assert "/etc/triage-hub/hub.toml" in (root / "DEBIAN/conffiles").read_text().split()
    unit = (root / "usr/lib/systemd/system/triage-hub.service").read_text()
    assert "User=triage-hub" in unit and "ExecStart=/usr/bin/triage-hub serve" in unit
    assert "StandardOutput" not in unit  # the journal, systemd's default
    assert "useradd --system" in (root / "DEBIAN/postinst").read_text()
    # The hub carries no Qt and no OpenCV.
    site = root / "opt/triage-hub/.venv/lib/python3.11/site-packages"
    assert (site / "fastapi").is_dir() and not (site / "PySide6").exists() and not (site / "cv2").exists()
    r = _run(root, "/opt/triage-hub/.venv", "hub", "--help")
    assert r.returncode == 0 and "serve" in r.stdout, r.stderr
    assert "exec /opt/triage-hub/.venv/bin/station hub" in (root / "usr/bin/triage-hub").read_text()


# One GET through the packaged hub's ASGI app, in the packaged venv: no server and no database are needed
# for the sign-in form, so an extra missing from [console] shows as an ImportError here.
_SIGN_IN = """
import asyncio
from station.sync.hub.app import create_app

async def get(path):
    sent = []
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        sent.append(message)
    await create_app("postgresql:///unused?host=/nonexistent")(
        {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "https",
         "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": [],
         "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8750)}, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    print(status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode())

asyncio.run(get("/console/sign-in"))
"""


def test_hub_package_serves_the_console_sign_in_page(unpacked: Callable[[str], Path]) -> None:
    root = unpacked("triage-hub")
    python = root / "opt/triage-hub/.venv/bin/python"
    r = subprocess.run([str(python), "-c", _SIGN_IN], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith("200 ") and 'action="/console/sign-in"' in r.stdout, r.stdout[:500]


@pytest.mark.parametrize(("package", "command", "words", "conffile"), [
    ("triage-station", "station", "db", "etc/triage-station/station.toml"),
    ("triage-hub", "triage-hub", "serve", "etc/triage-hub/hub.toml")])
def test_each_package_has_a_manual_page_and_a_copyright_notice(unpacked: Callable[[str], Path], package: str,
                                                               command: str, words: str, conffile: str) -> None:
    root = unpacked(package)
    page = gzip.decompress((root / f"usr/share/man/man1/{command}.1.gz").read_bytes()).decode()
    assert page.startswith(f".TH {command.upper()} 1 ") and f".SH NAME\n{command} \\- " in page
    assert f"\n  {words} " in page or f"\n    {words} " in page, page[:800]  # made from the command's own --help
    assert not any(line.startswith((".", "'")) for line in page.split(".nf\n", 1)[1].split("\n.fi")[0].splitlines())
    copyright_text = (root / f"usr/share/doc/{package}/copyright").read_text()
    assert re.search(r"^Copyright: \d{4}-\d{4} Triage Station maintainers$", copyright_text, re.M)
    # Each package overrides only the tags it has: lintian reports an override matching nothing.
    overrides = (root / f"usr/share/lintian/overrides/{package}").read_text()
    assert re.findall(r"non-standard-file-perm 0640 != 0644 \[(.+)\]", overrides) == [conffile]

"""The wheel as users get it: `pip install 'triage-station[hub]'` in a fresh venv.

The hub image must not carry Qt or OpenCV, and must still serve; an installed wheel (not a
checkout) must find the firmware profiles. The package is built and installed for real, and the
hub is started from the venv's own `station` script against the test PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from station.erase import profiles
from tests.sync.pgserver import free_port

ROOT = Path(__file__).resolve().parents[2]
# building the wheel and installing [hub] (boto3 and botocore's service data included) outlasts the default
pytestmark = pytest.mark.timeout(600)
# Bench-only libraries: none may be importable in a hub install.
BENCH_ONLY = ("PySide6", "shiboken6", "cv2", "pyqtgraph", "serial", "usb", "pyudev", "escpos", "numpy")


def _run(*cmd: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def hub_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel and its [hub] extra, nothing else."""
    work = tmp_path_factory.mktemp("hub-install")
    built = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", ROOT, "-w", work / "dist", cwd=work)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (work / "dist").glob("triage_station-*.whl")
    venv = work / "venv"
    assert _run(sys.executable, "-m", "venv", venv, cwd=work).returncode == 0
    installed = _run(venv / "bin/python", "-m", "pip", "install", "-q", f"{wheel}[hub]", cwd=work)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv


def _python(venv: Path, code: str) -> subprocess.CompletedProcess[str]:
    return _run(venv / "bin/python", "-c", code, cwd=venv)  # not the checkout: only the wheel is importable


def test_hub_install_has_no_bench_libraries(hub_venv: Path) -> None:
    found = _python(hub_venv, "import importlib.util as u, station; print(station.__file__); "
                    f"print([m for m in {BENCH_ONLY!r} if u.find_spec(m)])")
    assert found.returncode == 0, found.stderr
    where, importable = found.stdout.splitlines()
    assert Path(where).is_relative_to(hub_venv)
    assert importable == "[]"


def test_hub_install_serves(hub_venv: Path, hub_db: str, tmp_path: Path) -> None:
    helped = _run(hub_venv / "bin/station", "hub", "serve", "--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert "--ssl-certfile" in helped.stdout
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"STATION_HUB_DATABASE_URL": hub_db}
    with open(tmp_path / "hub.log", "wb") as log:
        proc = subprocess.Popen([hub_venv / "bin/station", "--data-dir", tmp_path / "data", "hub", "serve",
                                 "--host", "127.0.0.1", "--port", str(port)],
                                cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, status = time.monotonic() + 60, None
        while status != 200 and proc.poll() is None and time.monotonic() < deadline:
            try:
                # TLS by default, with the certificate it made on first start (pinning is tested in test_tls)
                status = httpx.get(f"https://127.0.0.1:{port}/v1/health", timeout=1, verify=False).status_code
            except httpx.TransportError:
                time.sleep(0.1)
        assert status == 200, (tmp_path / "hub.log").read_text()
        loaded = _run(hub_venv / "bin/python", "-c", "import sys, station.sync.hub.app; "
                      f"print([m for m in sys.modules if m.split('.')[0] in {BENCH_ONLY!r}])", cwd=tmp_path)
        assert loaded.stdout.strip() == "[]", loaded.stderr
    finally:
        proc.terminate()
        proc.wait(15)


def test_installed_wheel_finds_the_firmware_profiles(hub_venv: Path) -> None:
    found = _python(hub_venv, "from station.erase import profiles; print(profiles.SHIPPED); "
                    "print(sorted(p.id for p in profiles.load_all()))")
    assert found.returncode == 0, found.stderr
    folder, ids = found.stdout.splitlines()
    assert Path(folder).is_relative_to(hub_venv) and Path(folder).name == "firmware_profiles"
    assert ids == str(sorted(p.id for p in profiles.load_all(ROOT / "firmware_profiles")))


def test_checkout_and_wheel_layouts_both_resolve(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "station").mkdir(parents=True)
    (checkout / "firmware_profiles").mkdir()
    assert profiles.shipped_folder(checkout / "station") == checkout / "firmware_profiles"
    (checkout / "station" / "firmware_profiles").mkdir()
    assert profiles.shipped_folder(checkout / "station") == checkout / "station" / "firmware_profiles"
    assert profiles.SHIPPED == ROOT / "firmware_profiles"

"""House rules that keep the layers apart, checked on the source, not by good intentions."""

from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATION = ROOT / "station"
QT = {"PySide6", "shiboken6", "pyqtgraph"}
DEVICE_LIBS = {"serial", "usb", "pyudev", "cv2", "escpos"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_station_ui_imports_qt() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in STATION.rglob("*.py")
                 if "ui" not in p.relative_to(STATION).parts[:1] and _imports(p) & QT]
    assert offenders == [], f"Qt imported outside station/ui: {offenders}"


def test_ui_reaches_hardware_only_through_station_devices() -> None:
    offenders = [f"{p.relative_to(ROOT)}: {sorted(_imports(p) & DEVICE_LIBS)}"
                 for p in (STATION / "ui").rglob("*.py") if _imports(p) & DEVICE_LIBS]
    assert offenders == [], f"station/ui imports a device library directly: {offenders}"


def test_import_linter_contracts_hold() -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]


def test_core_cli_does_not_load_qt() -> None:
    code = ("import sys, station.cli; station.cli.build_parser(); "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "False", r.stdout + r.stderr


def test_only_the_headless_opencv_wheel_is_installed() -> None:
    # opencv-python ships its own Qt plugins and breaks PySide6 on a real display.
    installed = {d.metadata["Name"].lower() for d in importlib.metadata.distributions()}
    assert "opencv-python-headless" in installed
    assert not installed & {"opencv-python", "opencv-contrib-python"}, installed & {"opencv-python"}


def test_no_source_file_is_a_monolith() -> None:
    big = [f"{p.relative_to(ROOT)} ({n})" for p in STATION.rglob("*.py")
           if "migrations" not in p.parts and (n := len(p.read_text().splitlines())) > 450]
    assert big == [], f"split these files by idea: {big}"


def test_station_modules_are_imported_by_name_not_by_string() -> None:
    """An import by string is invisible to mypy and to the import-linter layers."""
    offenders = []
    for p in STATION.rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(), str(p))):
            if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str) and node.args[0].value.startswith("station")
                    and ast.unparse(node.func) in ("importlib.import_module", "import_module", "__import__")):
                offenders.append(f"{p.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], f"import these modules normally: {offenders}"

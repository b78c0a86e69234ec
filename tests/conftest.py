"""Shared fixtures. Tests run headless (offscreen) and against real peers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STATION_SHARED_DIR", ROOT.parent / "shared"))
CORPUS = Path(os.environ.get("STATION_DRIVE_CORPUS", SHARED / "corpus" / "drives"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--device", action="append", default=[], help="real device for -m hardware tests")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("STATION_DATA_DIR", str(d))
    return d


@pytest.fixture
def ctx(data_dir: Path) -> Iterator:
    from station.context import open_station

    c = open_station(data_dir)
    yield c
    c.close()


@pytest.fixture
def make_window(qtbot):  # type: ignore[no-untyped-def]
    """The real main window (demo devices); its devices and store are always closed afterwards,
    so no capture or scanner thread outlives the test."""
    from station.ui.app import create_window

    made = []

    def make(data_dir: Path, demo: bool = True):  # type: ignore[no-untyped-def]
        w = create_window(data_dir, demo=demo)
        qtbot.addWidget(w)
        made.append(w)
        return w

    yield make
    from station.ui.app import close_station

    for w in made:
        close_station(w)


@pytest.fixture(scope="session")
def demo_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo camera's video, written once per session (seconds of OpenCV work): copy it to
    DATA_DIR/demo/camera.avi and the demo camera plays it at once."""
    from station.sim.camera import write_demo_video

    return write_demo_video(tmp_path_factory.mktemp("demo-camera") / "camera.avi")


def require_corpus() -> Path:
    """The real drive outputs in ../shared; the one allowed skip is when that folder is absent."""
    from tests.no_skip import SHARED_ABSENT

    if not CORPUS.is_dir():
        pytest.skip(f"{SHARED_ABSENT}: {CORPUS} (the drive corpus ships beside the project in CI)")
    return CORPUS


@pytest.fixture
def corpus() -> Path:
    return require_corpus()


def pytest_sessionfinish() -> None:
    """Let background work end before the interpreter does: a Qt worker thread alive at exit aborts."""
    import sys

    if "station.ui.ops" in sys.modules:
        sys.modules["station.ui.ops"].shutdown(10000)

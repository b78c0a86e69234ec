"""The Wipe panel, by keys alone, on real loop devices wiped by real worker processes."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from station.context import StationContext
from station.devices.drive import discover
from station.devices.manager import DeviceManager
from station.erase import jobs
from station.erase.drives import guarded_driver
from station.sim.drives import SimDriveDriver
from station.ui.app import create_window
from station.ui.ops import Changes
from station.ui.panels.wipe import WipePanel
from station.ui.wipe_model import COLUMNS
from station.ui.wipe_targets import DriveTarget
from tests.erase import wipe_fixtures
from tests.erase.wipe_fixtures import DRIVE_RATE, LoopFactory, MiB, only_ours

loops = wipe_fixtures.loops
pytestmark = pytest.mark.timeout(120)
WAIT = 60000


class Bench:
    """A panel on a device manager that only sees this test's own loop devices."""

    def __init__(self, qtbot, ctx: StationContext, manager: DeviceManager) -> None:  # type: ignore[no-untyped-def]
        self.qtbot, self.manager = qtbot, manager
        self.questions: list[str] = []
        self.messages: list[str] = []
        Changes.hub().message.connect(lambda level, text: self.messages.append(f"{level}: {text}"))
        manager.scan()
        self.panel = WipePanel(ctx, manager)
        self.panel.confirm = self.answer_yes
        qtbot.addWidget(self.panel)
        with qtbot.waitActive(self.panel):
            self.panel.show()
            self.panel.activateWindow()
        self.panel.activated()

    def answer_yes(self, question: str) -> bool:
        self.questions.append(question)
        return True

    def text(self, row: int, column: str) -> str:
        model = self.panel.model
        return str(model.data(model.index(row, COLUMNS.index(column))))

    def row(self, path: str) -> int:
        return next(i for i, t in enumerate(self.panel.model.targets) if t.facts().port and
                    getattr(t, "drive", None) is not None and t.drive.path == path)

    def key(self, key: Qt.Key) -> None:
        self.qtbot.keyClick(self.panel.table, key)

    def select(self, row: int) -> None:
        self.panel.table.setFocus()
        self.panel.table.selectRow(row)

    def wait_result(self, row: int, text: str) -> None:
        self.qtbot.waitUntil(lambda: self.text(row, "Result").startswith(text), timeout=WAIT)

    def settle(self) -> None:
        """Let every started job end and be recorded before the loop devices go away."""
        self.qtbot.waitUntil(lambda: not any(getattr(t, "running", lambda: False)() for t in self.panel.model.targets),
                             timeout=WAIT)


@pytest.fixture
def bench(qtbot, ctx: StationContext, loops: LoopFactory, tmp_path: Path) -> Iterator[Bench]:  # type: ignore[no-untyped-def]  # noqa: ARG001 (loops: the test's loop devices are detached after the panel let go of them)
    manager = DeviceManager()
    manager.register(guarded_driver(ctx.data.root, include=only_ours(tmp_path)))
    b = Bench(qtbot, ctx, manager)
    yield b
    b.settle()


def test_a_drive_plugged_in_appears_and_leaves_live(bench: Bench, loops: LoopFactory) -> None:
    assert bench.panel.model.rowCount() == 0
    loop = loops(16 * MiB)
    bench.qtbot.waitUntil(lambda: bench.panel.model.rowCount() == 1, timeout=10000)
    assert [bench.text(0, c) for c in ("Bay", "Model", "Serial", "Size", "Bus", "Guard")] == [
        "loop", "Loop device", f"loop:{loop.backing}", "16.8 MB", "loop", "ready to wipe"]
    assert bench.panel.summary.text() == "1 drive · 1 eligible · 0 wiping"
    wipe_fixtures.detach(loop.path)
    loops.loops.remove(loop.path)
    bench.qtbot.waitUntil(lambda: bench.panel.model.rowCount() == 0, timeout=10000)


def test_enter_wipes_the_selected_drive(qtbot, ctx: StationContext, loops: LoopFactory,  # type: ignore[no-untyped-def]
                                        tmp_path: Path) -> None:
    loop = loops(32 * MiB)
    manager = DeviceManager()
    manager.register(guarded_driver(ctx.data.root, include=only_ours(tmp_path)))
    bench = Bench(qtbot, ctx, manager)
    bench.panel.method_box.setCurrentText("random-zero")
    bench.select(0)
    bench.key(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(bench.questions) == 1, timeout=10000)  # after the planner's plan for it
    assert "Erase ALL data on Loop device" in bench.questions[0] and "Runs: random-zero" in bench.questions[0]
    bench.wait_result(0, "SANITIZED")
    assert bench.text(0, "Method") == "random-zero" and "certificate issued" in bench.text(0, "Result")
    assert loop.read_backing() == bytes(loop.size)
    with ctx.store.reader() as s:
        from sqlalchemy import select

        from station.models import WipeJob
        assert s.execute(select(WipeJob.status)).scalars().all() == ["FINISHED"]
    bench.settle()


def test_a_refused_drive_says_why_and_is_not_started(bench: Bench, loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(16 * MiB, seed=None)
    mnt = loops.mount(loop, tmp_path / "mounted")
    bench.key(Qt.Key.Key_F5)  # a mount makes no uevent: F5 (or the periodic rescan) shows it
    bench.qtbot.waitUntil(lambda: bench.panel.model.rowCount() == 1 and
                          bench.text(0, "Guard") == f"has a mounted filesystem at {mnt}", timeout=10000)
    bench.select(0)
    bench.key(Qt.Key.Key_Return)
    assert bench.questions == [] and any("cannot be wiped" in m for m in bench.messages)
    bench.key(Qt.Key.Key_A)
    assert bench.questions == [] and any("No eligible drive" in m for m in bench.messages)


def test_wipe_all_eligible_after_one_confirmation(bench: Bench, loops: LoopFactory, tmp_path: Path) -> None:
    a, b = loops(16 * MiB, seed=3), loops(8 * MiB, seed=4)
    mounted = loops(16 * MiB, seed=None)
    loops.mount(mounted, tmp_path / "busy")
    bench.key(Qt.Key.Key_F5)
    bench.qtbot.waitUntil(lambda: bench.panel.model.rowCount() == 3 and
                          bench.text(bench.row(mounted.path), "Guard").startswith("has a mounted"), timeout=10000)
    bench.panel.verify_box.setCurrentText("full")
    bench.key(Qt.Key.Key_A)
    assert len(bench.questions) == 1 and "these 2 drives" in bench.questions[0]
    for loop in (a, b):
        bench.wait_result(bench.row(loop.path), "SANITIZED")
        assert loop.read_backing() == bytes(loop.size)
    assert bench.text(bench.row(mounted.path), "Result") == ""


def test_s_stops_a_wipe_and_says_it_is_not_erased(bench: Bench, loops: LoopFactory) -> None:
    loop = loops(128 * MiB, write_rate=DRIVE_RATE)
    bench.key(Qt.Key.Key_F5)
    bench.qtbot.waitUntil(lambda: bench.panel.model.rowCount() == 1, timeout=10000)
    bench.panel.method_box.setCurrentText("dod3")
    bench.select(0)
    bench.key(Qt.Key.Key_Return)
    bench.qtbot.waitUntil(lambda: bench.text(0, "Progress").startswith("pass"), timeout=WAIT)
    bench.key(Qt.Key.Key_S)
    bench.wait_result(0, "STOPPED")
    assert loop.read_backing() != loop.expected_fill()


def test_an_interrupted_wipe_is_shown_and_r_restarts_it(qtbot, ctx: StationContext,  # type: ignore[no-untyped-def]
                                                          loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(64 * MiB, write_rate=DRIVE_RATE)
    handle = jobs.start(ctx, discover.find(loop.path), "dod3", "full")
    qtbot.waitUntil(lambda: (p := handle.progress()) is not None and p.phase == "writing", timeout=WAIT)
    assert handle.pid is not None
    os.kill(handle.pid, signal.SIGSTOP)
    os.kill(handle.pid, signal.SIGKILL)  # the station died with it; the job row stays RUNNING
    qtbot.waitUntil(lambda: not handle.alive(), timeout=WAIT)
    manager = DeviceManager()
    manager.register(guarded_driver(ctx.data.root, include=only_ours(tmp_path)))
    bench = Bench(qtbot, ctx, manager)  # the next start: recovery runs in the background
    bench.wait_result(0, "INTERRUPTED")
    assert any("cut off" in m for m in bench.messages)
    bench.select(0)
    bench.key(Qt.Key.Key_R)
    assert "Restart the interrupted wipe" in bench.questions[-1]
    bench.wait_result(0, "SANITIZED")
    assert bench.text(0, "Method") == "dod3"
    assert jobs.interrupted(ctx) == []
    bench.settle()


def test_demo_bays_sit_in_the_main_window_and_are_wiped_for_real(qtbot, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    bays = data_dir / "sim-bays"
    SimDriveDriver(data_dir, bays=4, size=4 * MiB)  # small bays, made before the window (it keeps them)
    for i in range(1, 5):
        (bays / f"bay{i}.img").write_bytes(os.urandom(4 * MiB))
    w = create_window(data_dir, demo=True)
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    panel = w.panel(WipePanel)
    assert isinstance(panel, WipePanel)
    panel.confirm = lambda question: "these 4 drives" in question
    qtbot.keyClick(w, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)  # Ctrl+4: the Wipe panel
    assert w.tabs.currentWidget() is panel and panel.table.hasFocus()
    drives = [t for t in panel.model.targets if isinstance(t, DriveTarget)]
    assert [t.facts().port for t in drives] == ["bay 1", "bay 2", "bay 3", "bay 4"]
    qtbot.keyClick(panel.table, Qt.Key.Key_F5)  # the demo phones come up on their adb server: rows beside the bays
    qtbot.waitUntil(lambda: len(panel.model.targets) > 4 and "phone" in panel.summary.text(), timeout=20000)
    qtbot.keyClick(panel.table, Qt.Key.Key_A)  # held a moment by the wedge-scanner filter, then delivered
    for target in drives:
        qtbot.waitUntil(lambda t=target: t.snapshot().result.startswith("SANITIZED"), timeout=WAIT)
    assert not any(t.snapshot().running or t.snapshot().result for t in panel.model.targets if t not in drives)
    assert all((bays / f"bay{i}.img").read_bytes() == bytes(4 * MiB) for i in range(1, 5))
    w.devices.close()
    w.ctx.close()

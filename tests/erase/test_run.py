"""One wipe run for the CLI and the Wipe panel: methods, the plan before the start, and the work."""

from __future__ import annotations

import time
from typing import Any

import pytest

from station.devices.drive import discover, firmware_runner, probe
from station.devices.drive.facts import DriveFacts
from station.erase.guard import Verdict
from station.erase.run import RunPlan, TargetKind, WipeRun, methods_for
from station.errors import UserFacingError
from station.wipe_record import JobKind, Status
from tests.erase.wipe_fixtures import LoopFactory, MiB, Technician
from tests.test_prompt import FrozenDrive

pytestmark = pytest.mark.timeout(120)

FROZEN = DriveFacts(source="test", bus="ata", model="HDD", rotational=True, security_supported=True,
                    security_enabled=False, security_frozen=True, sanitize_supported=False, hpa_supported=False)


def _wait(run: WipeRun) -> None:
    deadline = time.monotonic() + 60
    while not run.done():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_methods_offered_per_target_kind() -> None:
    assert methods_for(TargetKind.PHONE) == ("factory-reset", "recovery-command", "reset-broadcast", "recovery-menu")
    drive = methods_for(TargetKind.DRIVE)
    assert {"clear", "zero", "purge", "auto"} <= set(drive) and drive[-2:] == ("purge", "auto")


def test_plans_on_a_loop_device_say_what_runs_and_why(loops: LoopFactory, ctx: Any) -> None:
    drive = discover.find(loops(4 * MiB).path)
    clear = WipeRun.for_drive(ctx, drive, "zero", "full", Technician()).plan()
    assert (clear.runs, clear.kind, clear.method_type, clear.ok) == ("zero", JobKind.OVERWRITE, "Clear", True)
    assert clear.steps == ["pass 1: write zero", "verify: full"]
    purge = WipeRun.for_drive(ctx, drive, "purge", "sample", Technician())
    assert not purge.plan().ok and "Purge impossible" in purge.plan().refusal
    with pytest.raises(UserFacingError, match="Nothing was erased"):
        purge.start()
    assert not purge.started
    auto = WipeRun.for_drive(ctx, drive, "auto", "sample", Technician()).plan()
    assert auto.runs == "clear" and auto.ok and auto.why[0].startswith("No Purge on this drive")
    bad = WipeRun.for_drive(ctx, drive, "shred", "full", Technician()).plan()
    assert not bad.ok and "'shred' is not an overwrite method" in bad.refusal
    phone = WipeRun.for_phone(ctx, "adb:R58", Technician()).plan()
    assert isinstance(phone, RunPlan) and phone.runs == "factory-reset" and phone.kind is JobKind.PHONE_RESET
    assert WipeRun.for_phone(ctx, "adb:R58", Technician(), "recovery-menu").plan().ok
    assert "not by 'zero'" in WipeRun.for_phone(ctx, "adb:R58", Technician(), "zero").plan().refusal


def test_overwrite_runs_polls_and_finishes_with_a_certificate(loops: LoopFactory, ctx: Any) -> None:
    loop = loops(4 * MiB)
    run = WipeRun.for_drive(ctx, discover.find(loop.path), "auto", "full", Technician())
    run.start()
    assert run.started and run.progress().fraction >= 0.0
    _wait(run)
    finished = run.finish()
    assert finished.result.sanitized and finished.result.method == "clear" and finished.certificate_json
    assert loop.read_backing() == bytes(loop.size)


def test_purge_of_a_frozen_drive_asks_through_the_prompt(loops: LoopFactory, ctx: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    loop = loops(4 * MiB)
    monkeypatch.setattr(probe, "tool_facts", lambda _path, _bus: FROZEN)
    discover._ENRICH_CACHE.clear()
    technician = Technician()
    run = WipeRun.for_drive(ctx, discover.find(loop.path), "auto", "sample", technician, runner=FrozenDrive)
    plan = run.plan()
    assert plan.runs == "purge" and plan.kind is JobKind.FIRMWARE and plan.ok
    assert any("reeze" in s for s in plan.steps), plan.steps  # the unfreeze step is shown before the start
    run.start()
    _wait(run)
    finished = run.finish()
    assert finished.result.status is Status.FAILED and "still frozen" in finished.result.reason
    assert "The drive is frozen. Unfreeze it how?" in technician.asked
    assert loop.read_backing() == loop.expected_fill()


def test_the_wipe_panels_drive_row_can_purge(qtbot: Any, loops: LoopFactory, ctx: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from station.ui.wipe_targets import DriveTarget

    loop = loops(4 * MiB)
    monkeypatch.setattr(probe, "tool_facts", lambda _path, _bus: FROZEN)
    monkeypatch.setattr(firmware_runner.CommandRunner, "run", FrozenDrive.run)
    discover._ENRICH_CACHE.clear()
    target = DriveTarget(discover.find(loop.path), Verdict(True, ()))
    asked: list[str] = []
    target.prompt.answer = lambda kind, text, _options: asked.append(text) or (1 if kind == "choose" else True)
    target.start(ctx, "purge", "sample")
    qtbot.waitUntil(target.needs_finish, timeout=60000)
    target.finished_with(target.finish(ctx))
    snap = target.snapshot()
    assert snap.level == "error" and "still frozen" in snap.result
    assert asked[0] == "The drive is frozen. Unfreeze it how?"

"""Firmware erase execution on real loop devices.

The drive tools (hdparm, nvme) run for real against loop devices, which refuse every
ATA/NVMe command: that is the "unsupported by the device" path, end to end. Where a
drive's firmware answer is needed (no peer can run ATA SANITIZE here), a scripted runner
replays real drive outputs from the corpus, applies the erase to the loop device as the
drive's firmware would, and asserts every scripted exchange was consumed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from typing_extensions import override

from station import clock
from station.certs.result import CommandRecord, MediaFacts, Status
from station.devices.drive.facts import DriveFacts
from station.devices.drive.firmware_runner import CommandRunner
from station.devices.drive.parsers import parse_file
from station.erase import firmware, firmware_methods, plan, profiles
from station.paths import DataDir
from tests.erase.wipe_fixtures import Loop, LoopFactory, MiB, Technician

pytestmark = pytest.mark.timeout(120)

Effect = Callable[[], None]


class ScriptedRunner(CommandRunner):
    """Replays (argv prefix, exit code, output, effect) in order; the effect is what the firmware does."""

    def __init__(self, script: list[tuple[list[str], int, str, Effect | None]]) -> None:
        super().__init__()
        self.script = list(script)

    @override
    def run(self, argv, timeout: float = 60.0) -> CommandRecord:  # type: ignore[no-untyped-def, override]
        assert self.script, f"unexpected command {argv}"
        prefix, code, output, effect = self.script.pop(0)
        assert list(argv[:len(prefix)]) == prefix, f"expected {prefix}, got {argv}"
        if effect is not None:
            effect()
        rec = CommandRecord(self.mask(argv), code, output, clock.iso(), 0.01)
        self.records.append(rec)
        return rec


def zero_loop(loop: Loop) -> Effect:
    def effect() -> None:
        fd = os.open(loop.path, os.O_WRONLY)
        try:
            chunk = bytes(MiB)
            for off in range(0, loop.size, MiB):
                os.pwrite(fd, chunk[: min(MiB, loop.size - off)], off)
            os.fsync(fd)
        finally:
            os.close(fd)
    return effect


def scramble_loop(loop: Loop) -> Effect:
    def effect() -> None:
        fd = os.open(loop.path, os.O_WRONLY)
        try:
            for off in range(0, loop.size, MiB):
                os.pwrite(fd, os.urandom(min(MiB, loop.size - off)), off)
            os.fsync(fd)
        finally:
            os.close(fd)
    return effect


def media_for(loop: Loop, serial: str = "SN-LOOP") -> MediaFacts:
    return MediaFacts(path=loop.path, bus="ata", model="Crucial_CT512MX100SSD1", serial=serial, size_bytes=loop.size)


def the_plan(facts: DriveFacts, level: str = "purge") -> plan.Plan:
    result = plan.plan_for(facts, level, profiles.load_all())
    assert isinstance(result, plan.Plan), result
    return result


def test_real_tools_on_a_loop_device_report_unsupported_cleanly(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    facts = DriveFacts(bus="ata", model="X", rotational=False, sanitize_supported=True, sanitize_block=True)
    p = the_plan(facts)
    p.steps = [s for s in p.steps if s.action not in ("hpa-reset", "dco-restore")]
    fc = firmware.FirmwareContext(loop.path, CommandRunner(), data=DataDir(tmp_path).ensure(), serial="S", poll_s=0)
    result = firmware.execute_plan(p, fc, media_for(loop), "J-unsup", marker_count=8)
    assert result.status is Status.FAILED and not result.sanitized
    assert "unsupported by the device" in result.reason or "failed" in result.reason
    assert "nothing was erased" in result.reason
    assert any(c.argv[0] == "hdparm" for c in result.commands)


def test_real_nvme_format_on_a_loop_device_fails_without_crashing(loops: LoopFactory) -> None:
    loop = loops(8 * MiB)
    p = the_plan(DriveFacts(bus="nvme", model="QEMU NVMe Ctrl"))
    assert p.method == "nvme-format-user-data"
    fc = firmware.FirmwareContext(loop.path, CommandRunner(), poll_s=0)
    result = firmware.execute_plan(p, fc, media_for(loop), "J-nvme", marker_count=8)
    assert result.status is Status.FAILED and "nothing was erased" in result.reason
    assert result.commands and result.commands[0].argv[:2] == ["nvme", "format"]


def test_probe_on_a_loop_device_adds_nothing_and_records_every_call(loops: LoopFactory) -> None:
    loop = loops(4 * MiB)
    runner = CommandRunner()
    facts = firmware.probe(loop.path, "ata", runner)
    assert facts.security_supported is None and facts.sanitize_supported is None
    assert [r.argv[0] for r in runner.records][:2] == ["smartctl", "hdparm"]


def test_ata_sanitize_crypto_with_real_drive_outputs(loops: LoopFactory, corpus: Path) -> None:
    """The Crucial MX100's own hdparm -I says SANITIZE crypto; the firmware scrambles the media."""
    loop = loops(8 * MiB)
    ident = corpus / "hdparm" / "Crucial__Crucial_CT512MX100SSD1__1.txt"
    facts = parse_file(ident)
    p = the_plan(facts)
    assert p.method == "ata-sanitize-crypto"
    done = "/dev/sda:\nSanitize status:\n    State:    SD0 Sanitize Idle\n" \
           "    Last Sanitize Operation Completed Without Error\n"
    running = "Sanitize status:\n    State:    SD2 Sanitize operation In Process\n    Progress: 0x8000 (50%)\n"
    runner = ScriptedRunner([
        (["hdparm", "-N"], 0, f"\n{loop.path}:\n max sectors   = 16384/16384, HPA is disabled\n", None),
        (["hdparm", "--dco-identify"], 0, "DCO Revision: 0x0001\nReal max sectors: 16384\n", None),
        (["hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-crypto-scramble"], 0, "Issuing SANITIZE", None),
        (["hdparm", "--sanitize-status"], 0, running, scramble_loop(loop)),
        (["hdparm", "--sanitize-status"], 0, done, None),
    ])
    seen: list[tuple[str, float]] = []
    fc = firmware.FirmwareContext(loop.path, runner, progress=lambda s, pct: seen.append((s, pct)), poll_s=0)
    result = firmware.execute_plan(p, fc, media_for(loop), "J-ata", marker_count=16)
    assert not runner.script, "every scripted exchange must be consumed"
    assert result.status is Status.FINISHED and result.sanitized, result.reason
    assert result.verification and result.verification.mode == "firmware-markers"
    assert result.verification.detail["markers"]["markers"] == 16
    assert ("sanitize crypto", 50.0) in seen
    assert result.media.hpa_dco["hidden_area_erased"] is True
    assert loop.read_backing() != loop.expected_fill()


def test_a_drive_that_lies_about_its_erase_is_never_sanitized(loops: LoopFactory, corpus: Path) -> None:
    loop = loops(8 * MiB)
    p = the_plan(parse_file(corpus / "hdparm" / "Crucial__Crucial_CT512MX100SSD1__1.txt"))
    runner = ScriptedRunner([
        (["hdparm", "-N"], 0, "max sectors   = 16384/16384, HPA is disabled", None),
        (["hdparm", "--dco-identify"], 0, "Real max sectors: 16384", None),
        (["hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-crypto-scramble"], 0, "", None),
        (["hdparm", "--sanitize-status"], 0, "State: SD0 Sanitize Idle\nLast Sanitize Operation Completed "
                                             "Without Error", None),
    ])
    fc = firmware.FirmwareContext(loop.path, runner, poll_s=0)
    result = firmware.execute_plan(p, fc, media_for(loop), "J-lie", marker_count=16)
    assert result.status is Status.FAILED and not result.sanitized
    assert "markers" in result.reason and "NOT erased" in result.reason


def test_nvme_format_zero_pattern_verified_by_sampling(loops: LoopFactory) -> None:
    loop = loops(8 * MiB)
    p = the_plan(DriveFacts(bus="nvme", model="QEMU NVMe Ctrl"))
    assert p.expected_pattern == "zero"
    runner = ScriptedRunner([(["nvme", "format"], 0, "Success formatting namespace:1", zero_loop(loop))])
    fc = firmware.FirmwareContext(loop.path, runner, poll_s=0)
    result = firmware.execute_plan(p, fc, media_for(loop), "J-fmt", marker_count=8, sample_percent=10)
    assert result.sanitized, result.reason
    assert result.verification and result.verification.mode == "firmware-markers+sample"
    assert result.verification.bytes_read > 0 and result.verification.expected
    assert loop.read_backing() == bytes(loop.size)


def test_qemu_style_invalid_opcode_is_unsupported_not_a_crash(loops: LoopFactory) -> None:
    loop = loops(4 * MiB)
    facts = DriveFacts(bus="nvme", model="Some NVMe", sanitize_supported=True, sanitize_crypto=True)
    p = the_plan(facts)
    assert p.method == "nvme-sanitize-crypto"
    runner = ScriptedRunner([(["nvme", "sanitize"], 1, "NVMe status: Invalid Command Opcode: A reserved coded "
                                                        "value or an unsupported value in the command opcode "
                                                        "field(0x1)", None)])
    result = firmware.execute_plan(p, firmware.FirmwareContext(loop.path, runner, poll_s=0), media_for(loop),
                                   "J-op", marker_count=4)
    assert result.status is Status.FAILED and result.reason.startswith("unsupported by the device")


def test_security_erase_records_the_password_first_and_masks_it(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    data = DataDir(tmp_path / "d").ensure()
    facts = DriveFacts(bus="ata", model="HDD", rotational=True, security_supported=True, security_enabled=False,
                       security_frozen=False, sanitize_supported=False, enhanced_erase_supported=False,
                       erase_minutes=1, hpa_supported=False)
    p = the_plan(facts)
    assert p.method == "ata-security-erase"
    recorded: list[str | None] = []
    not_enabled = "Security:\n\tMaster password revision code = 65534\n\t\tsupported\n\tnot\tenabled\n" \
                  "\tnot\tlocked\n\tnot\tfrozen\n"
    runner = ScriptedRunner([
        (["hdparm", "--user-master", "u", "--security-set-pass"], 0, "",
         lambda: recorded.append(firmware_methods.recorded_password(data, "SN-HDD"))),
        (["hdparm", "--user-master", "u", "--security-erase"], 0, "", zero_loop(loop)),
        (["hdparm", "-I"], 0, "ATA device, with non-removable media\n" + not_enabled, None),
    ])
    fc = firmware.FirmwareContext(loop.path, runner, data=data, serial="SN-HDD", poll_s=0)
    result = firmware.execute_plan(p, fc, media_for(loop, "SN-HDD"), "J-se", marker_count=8)
    assert result.sanitized, result.reason
    password = firmware_methods.recorded_password(data, "SN-HDD")
    assert recorded == [password] and password
    assert all(password not in " ".join(c.argv) for c in result.commands)
    assert "<recorded ATA password>" in result.commands[0].argv
    assert stat.S_IMODE(os.stat(firmware_methods.passwords_file(data)).st_mode) == 0o600


def test_frozen_drive_asks_the_operator_and_fails_cleanly_when_still_frozen(loops: LoopFactory,
                                                                              tmp_path: Path) -> None:
    loop = loops(4 * MiB)
    facts = DriveFacts(bus="ata", model="HDD", rotational=True, security_supported=True, security_enabled=False,
                       security_frozen=True, sanitize_supported=False, hpa_supported=False)
    p = the_plan(facts)
    assert p.steps[0].action == "unfreeze"

    frozen = "ATA device\nSecurity:\n\t\tsupported\n\tnot\tenabled\n\tnot\tlocked\n\t\tfrozen\n"
    runner = ScriptedRunner([(["hdparm", "-I"], 0, frozen, None)])
    prompt = Technician()
    fc = firmware.FirmwareContext(loop.path, runner, prompt=prompt, data=DataDir(tmp_path).ensure(), serial="S",
                                  poll_s=0)
    result = firmware.execute_plan(p, fc, media_for(loop), "J-frz", marker_count=4)
    assert result.status is Status.FAILED and "still frozen after replug" in result.reason
    assert len(prompt.asked) == 2 and not runner.script


def test_hpa_is_removed_and_recorded(loops: LoopFactory) -> None:
    loop = loops(4 * MiB)
    runner = ScriptedRunner([
        (["hdparm", "-N"], 0, "max sectors   = 8000/8192, HPA is enabled", None),
        (["hdparm", "--yes-i-know-what-i-am-doing", "-N", "p8192"], 0, "setting max visible sectors", None),
        (["hdparm", "-N"], 0, "max sectors   = 8192/8192, HPA is disabled", None),
    ])
    out = firmware_methods.hpa_reset(firmware.FirmwareContext(loop.path, runner))
    assert out["hpa_hidden_sectors"] == 192 and out["hpa_reset"] and not runner.script


def test_overwrite_plans_are_not_firmware_plans(loops: LoopFactory) -> None:
    loop = loops(4 * MiB)
    clear = the_plan(DriveFacts(bus="ata", model="X"), "clear")
    assert clear.method == "overwrite"
    runner = ScriptedRunner([])  # any command sent to the drive fails the test
    with pytest.raises(ValueError, match="overwrite engine"):
        firmware.execute_plan(clear, firmware.FirmwareContext(loop.path, runner), media_for(loop), "J")
    assert runner.records == []

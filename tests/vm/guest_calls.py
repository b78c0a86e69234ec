"""Guest-side functions the VM tests run inside the guest through the warm station runner
(VM.station_call), for what the CLI does not offer by design. Each prints one JSON object.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace


def nvme_sanitize_attempt(path: str) -> int:
    """Force the station's firmware engine to send NVMe Sanitize (block erase) to `path`.

    The planner never picks Sanitize on a controller whose SANICAP is 0, so this stands in for a
    drive (or a wrong profile) that claims it: the facts say Sanitize is there, the device says
    Invalid Command Opcode, and the station must end FAILED with that reason, claiming nothing.
    """
    from station.certs.body import title_for
    from station.certs.result import MediaFacts
    from station.devices.drive.firmware_runner import CommandRunner
    from station.erase import firmware, plan

    runner = CommandRunner()
    probed = firmware.probe(path, "nvme", runner)
    claimed = replace(probed, sanitize_supported=True, sanitize_block=True)
    chosen = plan.plan_for(claimed, "purge")
    assert isinstance(chosen, plan.Plan), chosen
    media = MediaFacts(path=path, bus="nvme", model=probed.model or "", serial=probed.serial or "")
    result = firmware.execute_plan(chosen, firmware.FirmwareContext(path, runner), media, "rig-sanitize-attempt",
                                   facts=claimed, marker_count=16)
    print(json.dumps({
        "probed_sanitize_supported": probed.sanitize_supported,
        "plan_method": chosen.method,
        "status": result.status.value,
        "reason": result.reason,
        "sanitized": result.sanitized,
        "title": title_for(result),
        "commands": [asdict(c) for c in result.commands],
    }))
    return 0


def nvme_all_namespaces_attempt(path: str, method: str) -> int:
    """Force an erase that reaches every namespace of `path`'s controller through the firmware engine.

    QEMU's controller formats one namespace at a time and has no Sanitize, so the facts claim
    otherwise (as a real controller with FNA bit 0 set, or with Sanitize, would say): what the
    guard then checks and claims is the real sysfs of a two-namespace controller.
    """
    from station.certs.result import MediaFacts
    from station.devices.drive.firmware_runner import CommandRunner
    from station.erase import firmware, plan

    runner = CommandRunner()
    probed = firmware.probe(path, "nvme", runner)
    claims = {"nvme-format-user-data": {"format_all_namespaces": True},
              "nvme-sanitize-block": {"sanitize_supported": True, "sanitize_block": True}}[method]
    claimed = replace(probed, **claims)
    chosen = plan.plan_for(claimed, "purge")
    assert isinstance(chosen, plan.Plan) and chosen.method == method, chosen
    media = MediaFacts(path=path, bus="nvme", model=probed.model or "", serial=probed.serial or "")
    result = firmware.execute_plan(chosen, firmware.FirmwareContext(path, runner), media, "rig-all-namespaces",
                                   facts=claimed, marker_count=16)
    print(json.dumps({
        "probed": {"fna": probed.nvme_fna, "format_all_namespaces": probed.format_all_namespaces,
                   "namespaces": probed.nvme_namespaces},
        "status": result.status.value, "reason": result.reason, "sanitized": result.sanitized,
        "namespaces": result.media.extra.get("namespaces"), "notes": result.notes,
        "commands": [c.argv for c in result.commands],
    }))
    return 0


def hpa_session(path: str, hide: int) -> int:
    """The station's HPA step (`hdparm -N`, and removal when sectors are hidden) against QEMU's AHCI disk,
    after asking the disk to hide `hide` sectors (volatile SET MAX ADDRESS): every command's output is
    printed, so the test can say what QEMU answers."""
    from station.devices.drive.firmware_runner import CommandRunner
    from station.erase import firmware_methods
    from station.erase.firmware import FirmwareContext, StepFailed

    runner = CommandRunner()
    before = runner.run(["hdparm", "-N", path], 60)
    native = _sectors(path)
    set_max = runner.run(["hdparm", firmware_methods.YES, "-N", str(native - hide), path], 60)
    try:
        facts: dict[str, object] = firmware_methods.hpa_reset(FirmwareContext(path, runner))
    except StepFailed as exc:
        facts = {"failed": exc.reason}
    print(json.dumps({
        "sectors": native, "after_sectors": _sectors(path), "facts": facts,
        "commands": [{"argv": c.argv, "exit_code": c.exit_code, "output": c.output} for c in (before, set_max)],
        "station_commands": [{"argv": c.argv, "exit_code": c.exit_code, "output": c.output}
                             for c in runner.records[2:]],
    }))
    return 0


def _sectors(path: str) -> int:
    import os

    with open(f"/sys/class/block/{os.path.basename(os.path.realpath(path))}/size") as fh:
        return int(fh.read())


def nvme_format_as_planned(path: str) -> int:
    """What a Purge of `path` checks, claims and sends, without the marker and sampling steps around it
    (tests/vm/test_station_wipe.py runs the whole `station wipe`): the planner's choice, the devices
    the guard says the erase reaches, their re-check, and the station's own Format step under O_EXCL."""
    from station.devices.drive.firmware_runner import CommandRunner
    from station.erase import firmware, firmware_methods, guard, plan
    from station.erase.engine import claim

    runner = CommandRunner()
    facts = firmware.probe(path, "nvme", runner)
    chosen = plan.plan_for(facts, "purge")
    assert isinstance(chosen, plan.Plan), chosen
    targets = firmware.erased_devices(chosen, facts, path)
    busy = guard.recheck([t.removeprefix("/dev/") for t in targets], None)
    before = len(runner.records)
    if not busy:
        with claim(targets):
            firmware_methods.nvme_format(firmware.FirmwareContext(path, runner), 1, None)
    print(json.dumps({
        "fna": facts.nvme_fna, "format_all_namespaces": facts.format_all_namespaces, "method": chosen.method,
        "warnings": chosen.warnings, "targets": targets, "busy": busy,
        "commands": [{"argv": c.argv, "exit_code": c.exit_code} for c in runner.records[before:]],
    }))
    return 0

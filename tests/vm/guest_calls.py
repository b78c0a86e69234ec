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
    from station.devices.drive.firmware_runner import CommandRunner
    from station.erase import firmware, plan
    from station.erase.cert_body import title_for
    from station.erase.result import MediaFacts

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

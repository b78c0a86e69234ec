"""Ask the drive itself: run smartctl, hdparm and nvme-cli and parse their answers.

Parsing is station.devices.drive.parsers' job (shared with the firmware-erase planner); this
module only runs the tools, with timeouts, and combines what they said into one
DriveFacts. A tool that is missing, hangs or does not understand the drive simply adds
nothing. smartctl's exit status is a bit mask: only bits 0-1 mean it could not ask.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess

from station.devices.drive import parsers
from station.devices.drive.facts import DriveFacts
from station.devices.drive.parsers import hdparm
from station.errors import UserFacingError

log = logging.getLogger(__name__)

TOOL_TIMEOUT_S = 15


def run(argv: list[str], timeout: float = TOOL_TIMEOUT_S) -> tuple[int | None, str]:
    """(exit status, or None when the tool is missing or hung; stdout)."""
    if shutil.which(argv[0]) is None:
        return None, ""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("%s did not complete: %s", argv, exc)
        return None, ""
    return proc.returncode, proc.stdout


def _parsed(text: str, what: str) -> DriveFacts:
    if not text.strip():
        return DriveFacts()
    try:
        return parsers.parse(text, what)
    except (UserFacingError, ValueError, TypeError, KeyError) as exc:
        log.info("%s: nothing usable (%s)", what, exc)
        return DriveFacts()


def smartctl(path: str) -> DriveFacts:
    status, out = run(["smartctl", "--json=c", "-i", "-H", path])
    if status is None or status & 0b011:
        return DriveFacts()
    try:
        json.loads(out)
    except json.JSONDecodeError:
        return DriveFacts()
    return _parsed(out, f"smartctl {path}")


def ata(path: str) -> DriveFacts:
    """hdparm -I (identity, security, HPA/DCO features) and -N (the HPA itself)."""
    facts = _parsed(run(["hdparm", "-I", path])[1], f"hdparm -I {path}")
    hpa = hdparm.parse_hpa(run(["hdparm", "-N", path])[1])
    if hpa is not None:
        facts.current_max_sectors, facts.native_max_sectors, facts.hpa_enabled = hpa
    return facts


def nvme(path: str) -> DriveFacts:
    controller = re.sub(r"n\d+$", "", path)
    return _parsed(run(["nvme", "id-ctrl", "-o", "json", controller])[1], f"nvme id-ctrl {controller}")


def tool_facts(path: str, bus: str) -> DriveFacts:
    """Everything the tools can say about the drive at `path` (bus as sysfs saw it)."""
    if bus == "loop":
        return DriveFacts()
    facts = smartctl(path)
    if bus == "ata" or facts.bus == "ata":
        facts = facts.merge(ata(path))
    if bus == "nvme":
        facts = facts.merge(nvme(path))
    return facts

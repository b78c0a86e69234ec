"""Turn any saved drive-tool output into DriveFacts, recognising the format from the content.

Accepted: smartctl text (-i/-a/-x) and --json, hdparm -I, nvme id-ctrl (plain, -H, JSON)
and nvme sanitize-log (plain, JSON). A missing section is normal; an unrecognised file is
a UserFacingError that says which formats are accepted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from station.devices.drive.facts import DriveFacts
from station.devices.drive.parsers import hdparm, nvme, smartctl_json, smartctl_text
from station.devices.drive.parsers.common import clean
from station.errors import UserFacingError
from station.i18n import _

FORMATS = "smartctl text or --json, hdparm -I, nvme id-ctrl (text, -H or JSON), nvme sanitize-log"


def parse(text: str, name: str = "<input>") -> DriveFacts:
    """DriveFacts from one tool's output; `name` is only used in the error message."""
    text = clean(text)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            doc: Any = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise UserFacingError(_("{name} looks like JSON but does not parse ({exc}); save the tool's "
                                    "output again without other text around it.").format(name=name, exc=exc)) from exc
        return parse_json(doc, name)
    if nvme.looks_like_id_ctrl_text(text):
        return nvme.parse_id_ctrl_text(text)
    if nvme.looks_like_sanitize_log_text(text):
        return nvme.parse_sanitize_log_text(text)
    if smartctl_text.looks_like(text):
        return smartctl_text.parse(text)
    if hdparm.looks_like(text):
        return hdparm.parse(text)
    raise UserFacingError(_("{name} is not a drive report this station reads. Save one of: {FORMATS}.").format(
            name=name, FORMATS=FORMATS))


def parse_json(doc: Any, name: str = "<input>") -> DriveFacts:
    if smartctl_json.looks_like(doc):
        return smartctl_json.parse(doc)
    if nvme.looks_like_id_ctrl_json(doc):
        return nvme.parse_id_ctrl_json(doc)
    if nvme.looks_like_sanitize_log_json(doc):
        return nvme.parse_sanitize_log_json(doc)
    raise UserFacingError(_("{name} is JSON but not smartctl --json or nvme-cli JSON. Save one of: "
                            "{FORMATS}.").format(name=name, FORMATS=FORMATS))


def parse_file(path: Path) -> DriveFacts:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserFacingError(_("Cannot read {path} ({strerror}); check the path.").format(
                path=path, strerror=exc.strerror)) from exc
    facts = parse(raw.decode("utf-8", errors="replace"), str(path))
    facts.notes.append(f"read from {path.name}")
    return facts

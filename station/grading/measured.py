"""Answers the device gave itself: lock status and battery health from its latest phone check.

An iPhone tells a paired host whether Activation Lock (Find My) is on, whether it is supervised
or enrolled in MDM, and its battery's maximum capacity; an Android phone tells its accounts and
device owner. Those are measurements, not opinions: where the grading matrix asks the same thing
(the `locks` and `battery` questions of the phone and tablet matrices), the measured answer is the
one graded, whatever was clicked, and the grade event says which answers were measured.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.grading.matrix import Matrix
from station.models import PhoneCheck, Unit

ACCOUNT_LOCKS = ("activation_lock", "google_account", "vendor_account")  # the owner's account holds the device
MANAGEMENT_LOCKS = ("mdm", "supervision", "device_owner")  # an organisation holds it
SERVICE_PERCENT = 80  # the matrices' "good" battery is 80 % or more, as iOS's Battery Health says


def _answers_from(checks: dict[str, dict[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    blocked = {k for k, c in checks.items() if c.get("outcome") == "block"}
    if blocked & set(ACCOUNT_LOCKS):
        out["locks"] = "account"
    elif blocked & set(MANAGEMENT_LOCKS):
        out["locks"] = "mdm"
    elif all(checks.get(k, {}).get("outcome") == "pass" for k in ("activation_lock", "supervision", "mdm")) or \
            all(checks.get(k, {}).get("outcome") == "pass" for k in ("google_account", "device_owner")):
        out["locks"] = "none"  # every lock was read and none is on; anything unread stays the technician's
    health = (checks.get("battery", {}).get("facts") or {}).get("max_capacity_percent")
    if isinstance(health, int):
        out["battery"] = "good" if health >= SERVICE_PERCENT else "worn"
    return out


def measured_answers(s: Session, unit: Unit, matrix: Matrix) -> dict[str, str]:
    """The answers this unit's latest phone check gives to questions `matrix` asks, with options it has."""
    raw = s.execute(select(PhoneCheck.checks).where(PhoneCheck.unit_id == unit.id)
                    .order_by(PhoneCheck.id.desc()).limit(1)).scalar()
    if not raw:
        return {}
    checks = {str(c.get("key")): c for c in json.loads(raw).get("checks", [])}
    out = {}
    for key, answer in _answers_from(checks).items():
        question = matrix.question(key)
        if question is not None and question.option(answer) is not None:
            out[key] = answer
    return out

"""Second-person validation of a certificate (Appendix G's validation block).

Without `cert.require_validation` the block names the configured validator, if any, and says
whether that person is someone other than the performer: a name in a settings file, not a signature.

With `cert.require_validation` (the site requires validation), a certificate is issued as
PENDING: not final, and its validation block says so. It becomes final only when a validator
signs it: a different operator from the performer, authenticated by their own PIN at the
station. That approval is a `certificate.validated` event in the station's hash chain, and the
final certificate (a new document that names the pending one it completes) carries the event's
seq and hash in its validation block and is chained right after it. So the station's signature
covers the validator's PIN-authenticated approval: the validator's name, role and date cannot be
edited without breaking it, and the event can be matched against the hub's copy of the chain.
"""

from __future__ import annotations

from typing import Any

from station.config import Config

REQUIRED = "cert.require_validation"
PENDING_SUFFIX = ": PENDING VALIDATION, not final"
APPROVAL_METHOD = ("PIN-authenticated approval at the station, recorded as a certificate.validated event "
                   "in the station's hash chain and covered by the station's signature")


def required(config: Config) -> bool:
    return config.get_bool(REQUIRED)


def block(config: Config, performer: str, org: str, issued: str) -> dict[str, Any]:
    """The validation block of a certificate being issued (no approval yet)."""
    if required(config):
        return {"name": "", "title": "", "role": "", "organization": org, "date": "", "final": False,
                "status": "pending: this site requires a second person's validation; not final until a "
                          "different operator signs it with their PIN ('station cert validate')"}
    name = config["cert.validator_name"]
    if not name:
        status = "not validated: no second person is named (setting cert.validator_name)"
    elif name == performer:
        status = "not independent: the validator is the person who performed the sanitization"
    else:
        status = "validated by a second person"
    independent = bool(name) and name != performer
    return {"name": name, "title": config["cert.validator_title"], "role": config["cert.validator_title"],
            "organization": org, "date": issued[:10] if independent else "", "status": status}


def approved(validator: dict[str, Any], org: str, event: dict[str, Any], pending: dict[str, str]) -> dict[str, Any]:
    """The validation block of a final certificate: who signed, when, and the chained approval."""
    return {
        "name": validator["name"], "title": validator["role"], "role": validator["role"], "organization": org,
        "date": str(event["at"])[:10], "final": True, "status": "validated by a second person",
        "signature": {"method": APPROVAL_METHOD, "operator_id": validator["id"], "event_seq": event["seq"],
                      "event_hash": event["hash"], "signed_at": event["at"]},
        "validates": pending,
    }


def is_pending(document: dict[str, Any]) -> bool:
    validation = (document.get("appendix_g") or {}).get("validation") or {}
    return isinstance(validation, dict) and validation.get("final") is False

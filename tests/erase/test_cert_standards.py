"""The certificate cites the standard in force, and validation is a second person's."""

from __future__ import annotations

import json

from station.erase import certificate
from tests.erase.test_certificate import configured, result

__all__ = ["configured"]


def _doc(ctx) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return json.loads(certificate.issue(ctx, result(), None).json_path.read_text())["certificate"]


def test_rev2_is_cited_and_the_signature_has_its_date(configured) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(configured)
    assert doc["standards"]["sanitization"] == "NIST SP 800-88 Rev. 2 (September 2025)"
    assert doc["standards"]["techniques"].startswith("IEEE 2883-2022")
    assert doc["appendix_g"]["signature"]["date"] == doc["issued_at"][:10]


def test_the_performer_never_stands_in_for_the_validator(configured) -> None:  # type: ignore[no-untyped-def]
    configured.config.set("cert.validator_name", "")
    val = _doc(configured)["appendix_g"]["validation"]
    assert val["name"] == "" and val["date"] == "" and val["status"].startswith("not validated")
    performer = _doc(configured)["appendix_g"]["person"]["name"]
    configured.config.set("cert.validator_name", performer)
    assert _doc(configured)["appendix_g"]["validation"]["status"].startswith("not independent")
    configured.config.set("cert.validator_name", "Sue Supervisor")
    val = _doc(configured)["appendix_g"]["validation"]
    assert val["name"] == "Sue Supervisor" and val["date"] and val["role"] == "Supervisor"
    assert val["status"] == "validated by a second person"

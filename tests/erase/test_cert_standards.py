"""The certificate cites the standard in force, and validation is a second person's."""

from __future__ import annotations

import json
import re
from pathlib import Path

from station.certs import certificate
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


# A mention of Rev. 1 is allowed only where it names the Appendix G record layout the
# certificate keeps, or says that Rev. 2 replaced it; anything else cites a withdrawn standard.
_REV1 = re.compile(r"800-88\s*r1\b|\bRev(?:\.|ision)?\s*1\b", re.IGNORECASE)
_HISTORY = re.compile(r"Appendix G|replaced", re.IGNORECASE)


def _rev1_citations(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and compiled catalogues
        found += [f"{path}:{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1)
                  if _REV1.search(line) and not _HISTORY.search(line)]
    return found


def test_no_withdrawn_revision_is_cited_in_code_or_docs(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    assert _rev1_citations(repo / "station") == [] and _rev1_citations(repo / "docs") == []
    # The check itself: the sentences the planner and the docs used to carry are caught.
    (tmp_path / "plan.py").write_text('R1_HDD = "NIST SP 800-88 r1 Table A-5"\n')
    (tmp_path / "wipe.md").write_text("Overwriting is Clear (NIST SP 800-88 Rev. 1).\nRev. 1 Appendix G fields.\n")
    assert [c.split(": ", 1)[1] for c in _rev1_citations(tmp_path)] == [
        'R1_HDD = "NIST SP 800-88 r1 Table A-5"', "Overwriting is Clear (NIST SP 800-88 Rev. 1)."]


def test_plans_and_samples_cite_rev2_with_ieee_2883() -> None:
    from station.devices.drive.facts import DriveFacts
    from station.erase import plan, verify

    for is_flash in (False, True, None):
        assert plan.cited(is_flash).startswith("NIST SP 800-88 Rev. 2; IEEE 2883-2022 techniques for ")
    clear = plan.plan_for(DriveFacts(bus="ata", model="H", rotational=True), "clear")
    assert isinstance(clear, plan.Plan)
    assert any("NIST SP 800-88 Rev. 2; IEEE 2883-2022 techniques for hard disk" in r for r in clear.rationale)
    assert verify.STANDARD.startswith("NIST SP 800-88 Rev. 2")

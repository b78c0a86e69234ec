"""Certificates checked away from the station: on another machine with only the files and
the station's exported keys, by `station cert verify`, by pyHanko's own validator and
command line, and by the openssl recipes of docs/certificate-schema.md run as written.
Forgeries from the audit: a page overlaid with another serial (rewritten, or appended as
an incremental update), and an embedded event edited with its hash recomputed."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from station import cli, events
from station.certs import certificate, keys
from station.certs import verify as cert_verify
from station.certs.result import Status
from tests.erase.test_certificate import configured, result

__all__ = ["configured"]
ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "certificate-schema.md"
pytestmark = pytest.mark.timeout(120)


def recipe(name: str) -> str:
    m = re.search(rf"<!-- recipe: {name} -->\n```sh\n(.*?)```", DOC.read_text(), re.S)
    assert m, f"recipe {name} missing from {DOC}"
    return m.group(1)


def run_recipe(name: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["sh", "-eu", "-c", recipe(name)], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.fixture
def offline(configured, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """Another machine: the two certificate files and the station's exported keys, nothing else."""
    issued = certificate.issue(configured, result(), None)
    d = str(configured.data.root)
    folder = tmp_path / "customer"
    folder.mkdir()
    assert cli.main(["--data-dir", d, "cert", "export-key", "--out", str(folder / "station.pub.pem")]) == 0
    assert cli.main(["--data-dir", d, "cert", "export-key", "--x509", "--out", str(folder / "station.crt.pem")]) == 0
    assert issued.pdf_path is not None
    (folder / "cert.pdf").write_bytes(issued.pdf_path.read_bytes())
    (folder / "cert.json").write_bytes(issued.json_path.read_bytes())
    return folder


def overlay(pdf: bytes, *, incremental: bool) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFillColorRGB(1, 1, 1)
    c.rect(0, 700, 600, 60, fill=1, stroke=0)
    c.setFillColorRGB(0, 0, 0)
    c.drawString(60, 720, "SERIAL: FORGED-SERIAL")
    c.save()
    writer = PdfWriter(io.BytesIO(pdf), incremental=True) if incremental \
        else PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.pages[0].merge_page(PdfReader(buf).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def verify_elsewhere(path: Path, folder: Path, tmp_path: Path) -> int:
    empty = tmp_path / "another-machine"
    return cli.main(["--data-dir", str(empty), "cert", "verify", "--key", str(folder / "station.pub.pem"), str(path)])


def test_the_documented_recipes_verify_the_real_files(offline: Path) -> None:
    for name in ("pyhanko", "openssl-pdf", "openssl-json"):
        out = run_recipe(name, offline)
        assert out.returncode == 0, f"{name}: {out.stdout}{out.stderr}"


@pytest.mark.parametrize("incremental", [False, True], ids=["rewritten", "incremental-update"])
def test_an_overlaid_page_fails_everywhere(offline: Path, tmp_path: Path, capsys, incremental: bool) -> None:  # type: ignore[no-untyped-def]
    pdf = (offline / "cert.pdf").read_bytes()
    assert verify_elsewhere(offline / "cert.pdf", offline, tmp_path) == 0
    forged = overlay(pdf, incremental=incremental)
    assert "FORGED-SERIAL" in PdfReader(io.BytesIO(forged)).pages[0].extract_text()
    (offline / "cert.pdf").write_bytes(forged)
    capsys.readouterr()
    assert verify_elsewhere(offline / "cert.pdf", offline, tmp_path) == 1
    out = capsys.readouterr().out
    assert "FAIL pdf:" in out and "NOT VALID" in out
    for name in ("pyhanko", "openssl-pdf"):
        assert run_recipe(name, offline).returncode != 0, name


def test_pyhankos_own_validator_accepts_the_certificate(offline: Path) -> None:
    from asn1crypto import pem
    from asn1crypto import x509 as ax509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _, _, der = pem.unarmor((offline / "station.crt.pem").read_bytes())
    root = ax509.Certificate.load(der)
    with open(offline / "cert.pdf", "rb") as fh:
        (sig,) = PdfFileReader(fh).embedded_signatures
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[root], allow_fetching=False))
    assert status.bottom_line and status.trusted and status.coverage.name == "ENTIRE_FILE"
    assert status.signer_reported_dt is not None  # the signature carries its date


def test_an_edited_event_with_its_hash_recomputed_fails(offline: Path, tmp_path: Path) -> None:
    env = json.loads((offline / "cert.json").read_text())
    ev = env["event"]
    ev["operator"], ev["at"] = "Somebody Else", "2020-01-01T00:00:00.000000Z"
    record = {k: ev[k] for k in ("seq", "station", "unit", "kind", "payload", "operator", "operator_id", "at")}
    ev["hash"] = events.event_hash(ev["prev_hash"], record)
    (offline / "cert.json").write_bytes(certificate.file_bytes(env))
    trusted = keys.load_public_pem(offline / "station.pub.pem")
    report = cert_verify.verify_bytes((offline / "cert.json").read_bytes(), trusted=trusted)
    assert not report.ok
    assert [c.name for c in report.checks if not c.ok] == ["signature"]
    assert verify_elsewhere(offline / "cert.json", offline, tmp_path) == 1
    assert run_recipe("openssl-json", offline).returncode != 0


def test_batch_verifies_every_file_and_lists_failures_apart(configured, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = certificate.issue(configured, result(), None)
    failed = certificate.issue(configured, result(Status.FAILED, False), None)
    env = json.loads(failed.json_path.read_text())
    env["certificate"]["sanitized"], env["certificate"]["title"] = True, "Certificate of Sanitization"
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(certificate.file_bytes(env))
    out = tmp_path / "batch.pdf"
    code = cli.main(["--data-dir", str(configured.data.root), "cert", "batch", "--out", str(out),
                     str(good.json_path), str(tampered), str(failed.pdf_path)])
    assert code == 1
    printed = capsys.readouterr().out
    assert f"NOT VERIFIED {tampered}" in printed and "2 verified certificates" in printed
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "2 verified certificates: 1 sanitized, 1 NOT sanitized." in " ".join(text.split())
    assert "FAILED verification" in text


def test_a_64_bit_sampling_seed_is_kept_exact_and_verifies(configured) -> None:  # type: ignore[no-untyped-def]
    seed = 18137821563756971449  # beyond 2^53: RFC 8785 numbers cannot hold it
    r = result()
    assert r.verification is not None
    r.verification.detail["seed"] = seed
    issued = certificate.issue(configured, r, None)
    doc = json.loads(issued.json_path.read_text())["certificate"]
    assert doc["verification"]["detail"]["seed"] == str(seed)
    trusted = keys.load_or_create(configured.data).public
    assert cert_verify.verify_bytes(issued.json_path.read_bytes(), trusted=trusted).ok

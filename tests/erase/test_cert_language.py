"""Certificates print in the site's language (site.language), not the bench's, with each NIST SP 800-88
Appendix G field's English name beside its translation; the signed JSON is the same in every language."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

from station.certs import certificate
from station.certs import pdf as cert_pdf
from tests.erase.test_certificate import configured, result

__all__ = ["configured"]


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_site_language_prints_the_certificate_with_standard_names_in_english(configured, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANGUAGE", "pl")  # the technician's desktop speaks Polish: the site's language wins
    configured.config.set("site.language", "es")
    issued = certificate.issue(configured, result(), None)
    envelope = json.loads(issued.json_path.read_text())
    text = _text(issued.pdf_path.read_bytes())
    for words in ("Certificado de sanitización", "Número de serie / Serial Number", "Método utilizado / Method Used",
                  "Método de verificación / Verification Method", "SANITIZADO / SANITIZED",
                  "Persona que realiza la sanitización / Person Performing Sanitization", "Pruebas"):
        assert words in text, (words, text[:1500])
    assert "Numer seryjny" not in text
    # The signed record is data: its keys and values do not follow the language.
    body = envelope["certificate"]
    assert body["title"] == "Certificate of Sanitization" and "serial_number" in body["appendix_g"]["media"]
    english = _text(cert_pdf.render(body, envelope["sha256"], issued.json_path.read_bytes(), language="en"))
    assert "Serial Number" in english and "Serial Number / " not in english and "Número" not in english
    polish = _text(cert_pdf.render(body, envelope["sha256"], issued.json_path.read_bytes(), language="pl"))
    assert "Numer seryjny / Serial Number" in polish and "Certyfikat sanityzacji" in polish
    assert cert_pdf.attachment(issued.pdf_path.read_bytes()) == issued.json_path.read_bytes()

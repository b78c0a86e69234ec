"""/verify: public, states only what the certificate says, checks the hub's copy and uploads against
the key the issuing station announced, and is rate-limited."""

from __future__ import annotations

import json

import httpx
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


def _tampered(raw: bytes) -> bytes:
    env = json.loads(raw)
    env["certificate"]["id"] = env["certificate"]["id"]  # same id: the hub finds the record
    text = raw.decode()
    assert "SN123" in text
    return text.replace("SN123", "SN999").encode()


def test_verify_page_and_uploads(fleet):
    with httpx.Client(base_url=fleet.url, timeout=30) as web:
        good = web.get(f"/verify/{fleet.cert_id}")
        assert good.status_code == 200 and "Genuine" in good.text and "SN123" in good.text
        assert "no-store" in good.headers["cache-control"]
        assert "bench-s" not in good.text and "Sign out" not in good.text
        assert web.get("/verify/NO-SUCH-CERT").status_code == 404
        for name, data in (("c.pdf", fleet.cert_pdf), ("c.json", fleet.cert_json)):
            up = web.post("/verify", files={"file": (name, data)})
            assert up.status_code == 200 and "Genuine" in up.text, up.text
        bad = web.post("/verify", files={"file": ("c.json", _tampered(fleet.cert_json))})
        assert bad.status_code == 200 and "Not verified" in bad.text and "Genuine" not in bad.text
        junk = web.post("/verify", files={"file": ("c.pdf", b"%PDF-1.7 nothing")})
        assert "Not verified" in junk.text
        # nothing but /verify and the console's sign-in answers without a token
        assert web.get("/v1/certificates/" + fleet.cert_id).status_code == 401


def test_verify_is_rate_limited_per_address(fleet):
    with httpx.Client(base_url=fleet.url, timeout=30) as web:
        codes = [web.get("/verify/NO-SUCH-CERT").status_code for _ in range(40)]
    assert 429 in codes and codes[0] == 404

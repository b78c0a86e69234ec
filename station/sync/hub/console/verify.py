"""The public certificate check: /verify/<id> is what a certificate's QR code opens.

No sign-in. It shows only what the certificate itself states (title, device, method, result,
dates) and whether the hub's copy verifies against the key its issuing station announced; the
form below checks an uploaded PDF or JSON the same way. Nothing else of the hub is reachable
from here, and the front door (limits.Guard) rate-limits it per address.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from station.sync.hub.app import objects_of, store_of
from station.sync.hub.console import certfiles
from station.sync.hub.console.web import templates
from station.sync.hub.limits import MiB
from station.sync.hub.models import HubCertificate

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 10 * MiB
_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


# Sections a reader of the certificate cares about; the signature's own records and the raw command log stay
# in the file, where the checks above read them.
_SKIP = frozenset({"appendix_g", "chain", "commands", "throughput", "errors", "signature", "schema",
                   "schema_version", "retried_ranges"})


def statements(cert: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, value) for the certificate's own words: top-level facts, then one level into each section."""
    out: list[tuple[str, str]] = []
    for key, value in (cert or {}).items():
        if key in _SKIP:
            continue
        if isinstance(value, dict):
            out += [(f"{key} · {k}".replace("_", " "), str(v)) for k, v in value.items()
                    if k not in _SKIP and v not in (None, "") and not isinstance(v, dict | list)]
        elif not isinstance(value, list) and value not in (None, ""):
            out.append((key.replace("_", " "), str(value)))
    return out


def _show(request: Request, verdict: certfiles.Verdict | None, cert_id: str | None, status: int = 200,
          note: str | None = None) -> Response:
    facts = statements(verdict.certificate) if verdict else []
    return templates.TemplateResponse(request, "verify.html", {"who": None, "v": verdict, "cert_id": cert_id,
                                                               "facts": facts, "note": note},
                                      status_code=status, headers=_HEADERS)


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request) -> Response:
    return _show(request, None, None)


@router.get("/verify/{cert_id}", response_class=HTMLResponse)
def verify_id(request: Request, cert_id: Annotated[str, Path(min_length=1, max_length=64,
                                                             pattern=r"^[A-Za-z0-9._-]+$")]) -> Response:
    with store_of(request).session() as s:
        certfiles.catch_up(s, objects_of(request))
        issuers = [c.station_id for c in s.query(HubCertificate).filter(HubCertificate.id == cert_id).limit(3)]
        if not issuers:
            return _show(request, None, cert_id, 404, f"No certificate {cert_id} has reached this hub.")
        if len(issuers) > 1:  # two stations announced the id: an incident, never a guess
            return _show(request, None, cert_id, 409, f"Two stations announced certificate {cert_id}; this hub "
                                                      "cannot say which is genuine. Ask the issuer.")
        sha = certfiles.file_of(s, issuers[0], cert_id, "json")
        if sha is None:
            return _show(request, None, cert_id, 404, f"Certificate {cert_id} is recorded, but its file has not "
                                                      "reached this hub yet; try again later.")
        verdict = certfiles.verify(s, certfiles.content(objects_of(request), sha))
    return _show(request, verdict, cert_id)


@router.post("/verify", response_class=HTMLResponse)
async def verify_upload(request: Request, file: UploadFile) -> Response:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, f"A certificate file is at most {MAX_UPLOAD // MiB} MiB.")
    store = store_of(request)

    def check() -> certfiles.Verdict:
        with store.session() as s:
            return certfiles.verify(s, data)

    from starlette.concurrency import run_in_threadpool

    verdict = await run_in_threadpool(check)
    return _show(request, verdict, None)

"""Certificate PDFs for people: A4, readable, logo, and a QR code with the id and hash.

The signed JSON file travels inside the PDF as an embedded file (certificate.json), so
`station cert verify x.pdf` checks the very same signature, hash and chain as the JSON.
The QR code carries `triage-station-cert:v1:<id>:<sha256>` for a phone or a scanner.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import segno
from pypdf import PdfReader, PdfWriter
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from station import i18n
from station.i18n import N_

ATTACHMENT = "certificate.json"
QR_PREFIX = "triage-station-cert:v1:"
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# Appendix G's own order (the JSON is key-sorted; people read the form's order).
_PERSON = ("name", "title", "organization", "location", "phone")
_MEDIA = ("make_vendor", "model", "serial_number", "media_property_number", "media_type", "source", "classification",
          "data_backed_up", "backup_location")
_SANITIZATION = ("method_type", "method_used", "method_details", "tool_used", "tool_version", "verification_method",
                 "post_sanitization_classification", "notes")
# The record's field names as NIST SP 800-88 Rev. 1 Appendix G words them. In another language each is printed as
# "translation / English": an auditor finds the field they know, a technician reads their own.
FIELDS = {
    "name": N_("Name"), "title": N_("Title"), "organization": N_("Organization"), "location": N_("Location"),
    "phone": N_("Phone"), "make_vendor": N_("Make/Vendor"), "model": N_("Model Number"),
    "serial_number": N_("Serial Number"), "media_property_number": N_("Media Property Number"),
    "media_type": N_("Media Type"), "source": N_("Source (user name or PC property number)"),
    "classification": N_("Classification"), "data_backed_up": N_("Data Backed Up"),
    "backup_location": N_("Backup Location"), "method_type": N_("Method Type"), "method_used": N_("Method Used"),
    "method_details": N_("Method Details"), "tool_used": N_("Tool Used (including version)"),
    "tool_version": N_("Tool Version"), "verification_method": N_("Verification Method"),
    "post_sanitization_classification": N_("Post-Sanitization Classification"), "notes": N_("Notes"),
}


class Words:
    """The certificate's words in one language; `std()` adds the English name of a standard field."""

    def __init__(self, language: str = "en") -> None:
        self.catalogue = i18n.catalogue(language or "en")
        self.english = i18n.language_of(self.catalogue) == "en"

    def _(self, text: str) -> str:
        return self.catalogue.gettext(text)

    def std(self, text: str) -> str:
        local = self.catalogue.gettext(text)
        return text if self.english or local == text else f"{local} / {text}"


def qr_text(cert_id: str, sha256: str, verify_url: str = "") -> str:
    """The site's verification page for this certificate when one is set (a phone opens it), else id and hash."""
    if verify_url:
        return f"{verify_url.rstrip('/')}/{quote(cert_id, safe='')}"
    return f"{QR_PREFIX}{cert_id}:{sha256}"


def fonts() -> tuple[str, str]:
    """DejaVu when installed (any script in names and models), else the PDF base fonts."""
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def qr_drawing(text: str, size: float) -> Drawing:
    """The QR code as vector squares: sharp at any zoom and any printer resolution."""
    qr = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    quiet = 4
    n = len(matrix) + 2 * quiet
    cell = size / n
    d = Drawing(size, size)
    d.add(Rect(0, 0, size, size, fillColor=colors.white, strokeColor=None))
    bleed = cell * 0.06  # neighbouring rows overlap a hair: no white seams when rasterised
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            run = x
            while run < len(row) and row[run]:
                run += 1
            # one rectangle per run of dark modules, so no seams appear between them either
            d.add(Rect((x + quiet) * cell, size - (y + quiet + 1) * cell - bleed, (run - x) * cell, cell + bleed,
                       fillColor=colors.black, strokeColor=None, strokeWidth=0))
            x = run
    return d


class _Styles:
    def __init__(self) -> None:
        regular, bold = fonts()
        base = getSampleStyleSheet()
        self.title = ParagraphStyle("t", parent=base["Title"], fontName=bold, fontSize=17, leading=21, alignment=0)
        self.h2 = ParagraphStyle("h2", parent=base["Heading2"], fontName=bold, fontSize=11.5, leading=14,
                                 spaceBefore=7, spaceAfter=3)
        self.body = ParagraphStyle("b", parent=base["BodyText"], fontName=regular, fontSize=8.8, leading=11)
        self.key = ParagraphStyle("k", parent=self.body, fontName=bold)
        self.small = ParagraphStyle("s", parent=self.body, fontSize=7, leading=8.6)
        self.mono = ParagraphStyle("m", parent=self.small, fontName="Courier", fontSize=6.6, leading=8)
        self.verdict_ok = ParagraphStyle("ok", parent=self.title, fontSize=14, textColor=colors.HexColor("#116611"))
        self.verdict_bad = ParagraphStyle("bad", parent=self.title, fontSize=14, textColor=colors.HexColor("#b00000"))


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), style)


def _grid(rows: list[tuple[str, Any]], st: _Styles, widths: tuple[float, float] = (52 * mm, 128 * mm)) -> Table:
    t = Table([[_p(k, st.key), _p(v, st.body)] for k, v in rows], colWidths=list(widths))
    t.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return t


def _label(key: str, w: Words) -> str:
    return w.std(FIELDS[key]) if key in FIELDS else key.replace("_", " ").capitalize()


def _header(body: dict[str, Any], digest: str, logos: list[Path], st: _Styles, w: Words,
            verify_url: str = "") -> Table:
    left: list[Flowable] = []
    for logo in logos[:2]:
        try:
            img = Image(str(logo))
            scale = min(40 * mm / img.imageWidth, 16 * mm / img.imageHeight)
            img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
            img.hAlign = "LEFT"
            left.append(img)
        except (OSError, ValueError):
            continue  # an unreadable logo must never stop a certificate
    title = body["title"] if w.english else f"{w._(body['title'])}\n{body['title']}"
    left += [Spacer(1, 2 * mm), _p(title, st.title), _p(w._("Certificate id {id}").format(id=body["id"]), st.body),
             _p(w._("Issued {at} by station {station}").format(at=body["issued_at"], station=body["station"]["id"]),
                st.body)]
    verdict = w.std(N_("SANITIZED")) if body["sanitized"] else w.std(N_("NOT SANITIZED"))
    left.append(_p(w._("Result: {verdict} ({method_type})").format(
        verdict=verdict, method_type=body["appendix_g"]["sanitization"]["method_type"]),
        st.verdict_ok if body["sanitized"] else st.verdict_bad))
    qr = qr_drawing(qr_text(body["id"], digest, verify_url), 42 * mm)
    t = Table([[left, [qr, _p("SHA-256 " + digest, st.mono)]]], colWidths=[134 * mm, 46 * mm])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def _story(body: dict[str, Any], digest: str, logos: list[Path], st: _Styles, w: Words,
           verify_url: str = "") -> list[Flowable]:
    g = body["appendix_g"]
    out: list[Flowable] = [_header(body, digest, logos, st, w, verify_url)]
    sections = [(N_("Person Performing Sanitization"), g["person"], _PERSON),
                (N_("Media Information"), g["media"], _MEDIA),
                (N_("Sanitization Details"), g["sanitization"], _SANITIZATION)]
    for title, fields, order in sections:
        keys = [k for k in order if k in fields] + sorted(k for k in fields if k not in order)
        out += [_p(w.std(title), st.h2), _grid([(_label(k, w), fields[k]) for k in keys], st)]
    out += [_p(w.std(N_("Media Destination")), st.h2), _grid([(w.std(N_("Destination")), g["media_destination"])], st)]
    sig, val = g["signature"], g["validation"]
    validated = f"{val['name']}, {val['title']}" if val.get("date") or "status" not in val else val["status"]
    chain = w._("follows event #{seq} {hash}").format(
        seq=body["chain"]["prev_event_seq"], hash=body["chain"]["prev_event_hash"]
    )
    out += [
        _p(w.std(N_("Signature and Validation")), st.h2),
        _grid(
            [
                (w.std(N_("Signature")), f"{sig['method']}{', ' + sig['date'] if sig.get('date') else ''}"),
                (w._("Key fingerprint"), sig["key_fingerprint"]),
                (w._("Signed for"), sig["signed_for"]),
                (w.std(N_("Validated by")), validated),
                (w.std(N_("Organization")), val["organization"]),
                (w.std(N_("Date")), val["date"]),
                (w._("Document SHA-256"), digest),
                (w._("Event chain"), chain),
                (
                    w._("How to check"),
                    w._(
                        "this PDF is signed: any PDF reader shows the signature (trust the station's CA "
                        "certificate), or pyHanko/openssl as in docs/certificate-schema.md, or station cert "
                        "verify"
                    ),
                ),
            ],
            st,
        ),
    ]
    out += _evidence(body, st, w)
    return out


def _evidence(body: dict[str, Any], st: _Styles, w: Words) -> list[Flowable]:
    drive, job = body["drive"], body["job"]
    out: list[Flowable] = [_p(w._("Evidence"), st.h2)]
    rows: list[tuple[str, Any]] = [
        (
            w._("Drive"),
            w._("{vendor} {model} (serial {serial}, firmware {firmware})").format(
                **{k: drive[k] for k in ("vendor", "model", "serial", "firmware")}
            ),
        ),
        (
            w._("Bus / size"),
            w._("{bus}, {size} bytes, sectors {logical}/{physical}, rotational {rotational}").format(
                bus=drive["bus"],
                size=drive["size_bytes"],
                logical=drive["logical_sector"],
                physical=drive["physical_sector"],
                rotational=drive["rotational"],
            ),
        ),
        (w._("Hidden areas"), body["hpa_dco"].get("statement", "")),
        (w._("Job"), f"{job['id']} {job['method']} {job['status']} {job['reason']}".strip()),
        (w._("Started / ended"), f"{job['started_at']} / {job['ended_at']}"),
        (w._("Bytes written"), job["bytes_written"]),
        (w._("Bad / retried ranges"), f"{len(body['errors']['bad_ranges'])} / {len(body['errors']['retried_ranges'])}"),
    ]
    if body["throughput"]:
        secs, done = body["throughput"][-1]
        rows.append(
            (
                w._("Throughput"),
                w._("{rate:.1f} MB/s average over {seconds:.0f} s ({samples} samples)").format(
                    rate=done / max(secs, 1e-9) / 1e6, seconds=secs, samples=len(body["throughput"])
                ),
            )
        )
    if body["smart"]:
        rows.append(("SMART", ", ".join(f"{k}={v}" for k, v in sorted(body["smart"].items()))[:600]))
    dmi = body["station"]["host_dmi"]
    rows.append((w._("Station host"), f"{body['station']['host']} " + " ".join(str(v) for v in dmi.values())))
    if body["unit"]:
        rows.append((w._("Unit"), body["unit"]["uid"]))
    out.append(_grid(rows, st))
    media = (body["unit"] or {}).get("media") or []
    if media:  # a unit of several media: each one named with its own method and verification
        out.append(_p(w._("Media of this unit"), st.h2))
        out.append(_grid([(m["medium"], _medium_line(m, w)) for m in media], st))
    if body["commands"]:
        out.append(_p(w._("Commands run ({count})").format(count=len(body["commands"])), st.h2))
        for c in body["commands"][:40]:
            line = " ".join(c["argv"])
            out.append(_p(f"$ {line}   [exit {c['exit_code']}, {c['seconds']:.2f} s, {c['started_at']}]", st.mono))
        if len(body["commands"]) > 40:
            out.append(
                _p(
                    w._("... and {count} more in the JSON certificate.").format(count=len(body["commands"]) - 40),
                    st.small,
                )
            )
    return out


def _medium_line(m: dict[str, Any], w: Words) -> str:
    if m["status"] == "not wiped":
        return w._("not wiped yet")
    checked = {True: w._("passed"), False: w._("FAILED")}.get(m["verified"], "")
    how = f"{m['method']} ({m['method_type']})" if m["method_type"] else m["method"]
    return " · ".join(x for x in (m["status"].upper(), how, f"{m['verification']}: {checked}" if checked else "",
                                  m["job_id"]) if x)


def _footer(cert_id: str, font: str, w: Words, simulated: bool = False) -> Callable[[Canvas, BaseDocTemplate], None]:
    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        if simulated:  # across every page, under the text: no crop of a page hides it
            canvas.setFillColorRGB(0.85, 0.1, 0.1, alpha=0.22)
            canvas.setFont(font, 88)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(52)
            canvas.drawCentredString(0, -30, "SIMULATED")
            canvas.setFont(font, 16)
            canvas.drawCentredString(0, -62, w._("demo mode: no real device was erased"))
            canvas.restoreState()
            canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(
            15 * mm,
            9 * mm,
            w._("{id}  ·  page {page}  ·  the signed JSON is embedded in this PDF").format(id=cert_id, page=doc.page),
        )
        canvas.restoreState()

    return draw


def render(
    body: dict[str, Any],
    digest: str,
    json_bytes: bytes,
    *,
    logos: list[Path] | None = None,
    verify_url: str = "",
    language: str = "en",
) -> bytes:
    """The A4 certificate with the signed JSON embedded as certificate.json, in the site's `language` (the JSON
    stays as it is: keys and values are data)."""
    w = Words(language)
    st = _Styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm,
                            bottomMargin=15 * mm, title=f"{body['title']} {body['id']}", author=body["station"]["id"],
                            subject=f"sha256 {digest}", invariant=1)
    foot = _footer(body["id"], st.body.fontName, w, simulated=body.get("simulated") is True)
    doc.build(_story(body, digest, logos or [], st, w, verify_url), onFirstPage=foot, onLaterPages=foot)
    return embed(buf.getvalue(), ATTACHMENT, json_bytes)


def embed(pdf: bytes, name: str, content: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def attachment(pdf: bytes, name: str = ATTACHMENT) -> bytes | None:
    """The embedded file `name`, or None when the PDF has none (or is not a readable PDF)."""
    try:
        found = PdfReader(io.BytesIO(pdf)).attachments.get(name)
    except Exception:  # pypdf raises many types on a damaged file; all mean "unreadable"
        return None
    return found[0] if found else None


def render_batch(title: str, documents: list[tuple[dict[str, Any], str]],
                 failures: list[tuple[str, str]] | None = None, *, language: str = "en") -> bytes:
    """One summary PDF for a lot or a customer job: a row per verified certificate, totals on top,
    and the files that failed verification apart (counted in neither total)."""
    w = Words(language)
    st = _Styles()
    failures = failures or []
    ok = sum(1 for body, _digest in documents if body["sanitized"])
    summary = w._("{count} verified certificates: {ok} sanitized, {bad} NOT sanitized.").format(
        count=len(documents), ok=ok, bad=len(documents) - ok)
    if failures:
        summary += " " + w._("{count} file(s) FAILED verification and are listed apart, not counted.").format(
            count=len(failures))
    story: list[Flowable] = [_p(title, st.title), _p(summary, st.body), Spacer(1, 4 * mm)]
    header = ["#", w._("Certificate"), w._("Media (serial)"), w.std(N_("Method")), w._("Result"), w._("Issued"),
              "SHA-256"]
    rows: list[list[Any]] = [[_p(h, st.key) for h in header]]
    for n, (body, digest) in enumerate(sorted(documents, key=lambda d: d[0]["issued_at"]), 1):
        g = body["appendix_g"]
        rows.append(
            [
                _p(n, st.small),
                _p(body["id"], st.small),
                _p(f"{g['media']['make_vendor']} {g['media']['model']} ({g['media']['serial_number']})", st.small),
                _p(f"{g['sanitization']['method_type']}: {g['sanitization']['method_used']}", st.small),
                _p(w.std(N_("SANITIZED")) if body["sanitized"] else w.std(N_("NOT SANITIZED")) + ": " + body["outcome"],
                   st.small),
                _p(body["issued_at"][:16].replace("T", " "), st.small),
                _p(digest[:16] + "...", st.mono),
            ]
        )
    table = Table(rows, colWidths=[8 * mm, 38 * mm, 42 * mm, 33 * mm, 24 * mm, 20 * mm, 21 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ]
        )
    )
    story.append(table)
    if failures:
        story += [
            _p(w._("Files that FAILED verification (not counted above)"), st.h2),
            _grid([(path, why) for path, why in failures], st, (70 * mm, 116 * mm)),
        ]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
        title=title,
        invariant=1,
    )
    doc.build(story)
    return buf.getvalue()

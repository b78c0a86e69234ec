"""A unit's history as people say it: "Graded B by Ana at 10:42", never "unit.updated changed stage".

Each recorded event kind has its sentence, read from the event's own payload; a kind this
module does not know yet still reads as words ("Lot closed"), not as an id or a dict dump.
The time is the station's local time, with the day when it was not today.

The sentences are never stored: they are said in the interface language each time the history is shown.
What the payloads keep in English (a hold's reason, a refused route, a wipe's reason) is read back through
i18n.shown(); the payload's codes (a route key, a shot name) are the site's words and show as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from station.i18n import N_, _, shown

Payload = dict[str, Any]

# The unit's stage as the tabs name its step, and its class, as the unit's header and history say them.
STAGE_WORDS = {"intake": N_("Intake"), "grade": N_("Grade"), "photos": N_("Photos"), "wipe": N_("Wipe"),
               "route": N_("Route"), "label": N_("Label"), "done": N_("Done"), "finished": N_("Finished")}
CLASS_WORDS = {"phone": N_("phone"), "tablet": N_("tablet"), "laptop": N_("laptop"), "desktop": N_("desktop"),
               "drive": N_("drive"), "other": N_("other")}
MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"), N_("Sep"),
          N_("Oct"), N_("Nov"), N_("Dec"))


def stage_word(stage: str | None) -> str:
    """A unit's stage in the interface language ('grade' -> 'Grade'); a stage this module does not know, as words."""
    return _(STAGE_WORDS[stage]) if stage in STAGE_WORDS else _words(stage).capitalize()


def class_word(device_class: str | None) -> str:
    """A device class in the interface language ('phone' -> 'teléfono'); a site's own class as it is."""
    return _(CLASS_WORDS[device_class]) if device_class in CLASS_WORDS else _words(device_class)


def _words(text: object) -> str:
    return str(text or "").replace("_", " ").strip()


def _ids(p: Payload) -> str:
    ids = p.get("identifiers") or {}
    return ", ".join(f"{_ident_kind(k)} {v}" for k, v in ids.items()) if isinstance(ids, dict) else ""


def _ident_kind(kind: str) -> str:
    return kind.upper() if kind in ("imei", "meid", "imeisv", "gs1") else _words(kind)


def _created(p: Payload) -> str:
    ids = _ids(p)
    return _("Opened from {identifiers}").format(identifiers=ids) if ids else _("Opened")


def _scanned(p: Payload) -> str:
    ident = p.get("identifier") or ["", ""]
    if p.get("finished"):
        return (_("Scanned ({kind} {value}), already finished") if ident[1] else
                _("Scanned, already finished")).format(kind=_ident_kind(ident[0]), value=ident[1])
    return _("Scanned ({kind} {value})").format(kind=_ident_kind(ident[0]), value=ident[1]) if ident[1] \
        else _("Scanned")


def _updated(p: Payload) -> str:
    changed = p.get("changed") or {}
    if "stage" in changed and len(changed) == 1:
        new = changed["stage"][1] if isinstance(changed["stage"], list) else changed["stage"]
        return _("Moved to {stage}").format(stage=stage_word(new))
    if changed:
        return _("Intake updated: {fields}").format(fields=", ".join(sorted(_words(k) for k in changed)))
    if "blocked_reason" in p and p["blocked_reason"] is None:
        by = {"wipe": N_("wipe"), "phone pre-check": N_("phone pre-check")}.get(p.get("by") or "")
        if p.get("by"):
            return _("Hold lifted by the {what}").format(what=_(by) if by else p["by"])
        return _("Hold lifted")
    if p.get("evidence_photo"):
        return _("Photo of the reset phone kept as evidence")
    return _("Updated")


def _graded(p: Payload) -> str:
    return _("Graded {grade}").format(grade=p.get("sale_grade") or "?")


def _overridden(p: Payload) -> str:
    grade = p.get("sale_grade") or "?"
    if p.get("reason"):
        return _("Grade set to {grade} by override ({reason})").format(grade=grade, reason=p["reason"])
    return _("Grade set to {grade} by override").format(grade=grade)


def _wipe_started(p: Payload) -> str:
    target = p.get("serial") or p.get("device") or ""
    method = _words(p.get("method")) or _("wipe")
    if target:
        return _("Wipe started: {method} on {target}").format(method=method, target=target)
    return _("Wipe started: {method}").format(method=method)


def _wipe_finished(p: Payload) -> str:
    how = ", ".join(x for x in (p.get("method_type") if p.get("method_type") != "none" else "",
                                p.get("technique")) if x)
    if p.get("sanitized"):
        return _("Sanitized ({how})").format(how=how) if how else _("Sanitized")
    status = str(p.get("status") or "").lower()
    said = {"aborted": _("Wipe stopped, not erased"), "interrupted": _("Wipe interrupted, not erased")}.get(
        status, _("Wipe failed"))
    return _("{what}: {reason}").format(what=said, reason=shown(p["reason"])) if p.get("reason") else said


def _route(p: Payload) -> str:
    route = _words(p.get("route"))
    if p.get("reason"):
        return _("Routed to {route} ({reason})").format(route=route, reason=shown(p["reason"]))
    return _("Routed to {route}").format(route=route)


def _route_cleared(p: Payload) -> str:
    reasons = "; ".join(shown(r) for r in p.get("reasons") or []) or _words(p.get("cause"))
    previous = _words(p.get("previous"))
    if reasons:
        return _("Route {route} withdrawn: {reasons}").format(route=previous, reasons=reasons)
    return _("Route {route} withdrawn").format(route=previous)


def _scan_back(p: Payload) -> str:
    return _("Label checked") if p.get("match") else _("Label check failed: it scanned as {scanned}").format(
        scanned=p.get("scanned"))


def _finished(p: Payload) -> str:
    label = {"label checked": _("label checked"), "label not checked": _("label not checked")}.get(
        p.get("label") or "", p.get("label") or "")
    if p.get("override_reason"):
        done = _("Finished by override ({reason})").format(reason=p["override_reason"])
    else:
        done = _("Finished")
    return f"{done}, {label}" if label else done


def _identified(p: Payload) -> str:
    what = " ".join(x for x in (p.get("manufacturer"), p.get("model")) if x) or _("Phone")
    if p.get("imei"):
        return _("{what} identified, IMEI {imei}").format(what=what, imei=p["imei"])
    return _("{what} identified").format(what=what)


def _held(p: Payload) -> str:
    return _("Held: {reason}").format(reason=shown(p["reason"]) if p.get("reason") else _("no reason given"))


def _medium(p: Payload) -> str:
    return _("Medium attached: {what} {serial}, wiped as a part of this unit").format(
        what=p.get("what") or _("drive"), serial=p.get("serial"))


def _certificate(p: Payload) -> str:
    if p.get("certificate_id"):
        return _("Certificate {id} issued").format(id=p["certificate_id"])
    return _("Certificate issued")


_SENTENCES: dict[str, Callable[[Payload], str]] = {
    "unit.created": _created,
    "unit.scanned": _scanned,
    "unit.updated": _updated,
    "unit.blocked": _held,
    "unit.finished": _finished,
    "unit.medium_attached": _medium,
    "unit.wipe_settled": lambda p: _("Wipe of every medium: {status}").format(
        status=_words(p.get("status")) or _("unknown")),
    "unit.reopened": lambda p: _("Reopened: {reason}").format(reason=p["reason"]) if p.get("reason")
    else _("Reopened"),
    "grade.recorded": _graded,
    "grade.overridden": _overridden,
    "photo.captured": lambda p: _("Photo taken: {shot}").format(shot=_words(p.get("shot")) or _("a shot")),
    "photo.override": lambda p: _("Photos accepted as they are ({reason})").format(
        reason=p.get("reason") or _("no reason given")),
    "wipe.started": _wipe_started,
    "wipe.finished": _wipe_finished,
    "wipe.interrupted": _wipe_finished,
    "certificate.issued": _certificate,
    "certificate.validated": lambda p: _("Certificate {id} validated by {validator}").format(
        id=p.get("certificate_id"), validator=p.get("validator")),
    "route.assigned": _route,
    "route.cleared": _route_cleared,
    "route.gate_overridden": lambda p: _("Route {route} allowed by override ({reason})").format(
        route=_words(p.get("route")), reason=p.get("reason")),
    "label.queued": lambda _p: _("Label sent to the printer"),
    "label.printed": lambda p: _("Label printed on {printer}").format(printer=p["printer"]) if p.get("printer")
    else _("Label printed"),
    "label.scan_back": _scan_back,
    "phone.identified": _identified,
    "phone.prechecked": lambda _p: _("Phone checked before its reset"),
    "lot.unit_added": lambda p: _("Added to lot {lot}").format(lot=p.get("lot")),
    "lot.unit_removed": lambda p: _("Taken out of lot {lot}").format(lot=p.get("lot")),
    "outcome.recorded": lambda p: _("Outcome recorded: {outcome}").format(outcome=_words(p.get("outcome"))),
}


def when(at: str, now: datetime | None = None) -> str:
    """'at 10:42' today, 'on 6 Dec at 10:42' another day, in the station's local time."""
    try:
        t = datetime.fromisoformat(at).astimezone()
    except ValueError:
        return ""
    today = (now or datetime.now().astimezone()).date()
    if t.date() == today:
        return _("at {time}").format(time=f"{t:%H:%M}")
    return _("on {day} {month} at {time}").format(day=t.day, month=_(MONTHS[t.month - 1]), time=f"{t:%H:%M}")


def sentence(kind: str, payload: Payload, operator: str | None, at: str, now: datetime | None = None) -> str:
    """One history line as a sentence: what happened, who did it and when."""
    make = _SENTENCES.get(kind)
    try:
        what = make(payload) if make is not None else _words(kind.replace(".", " ")).capitalize()
    except (AttributeError, IndexError, KeyError, TypeError):  # an older payload shape: still words
        what = _words(kind.replace(".", " ")).capitalize()
    who = _("{what} by {operator}").format(what=what, operator=operator) if operator else what
    moment = when(at, now)
    return f"{who} {moment}" if moment else who

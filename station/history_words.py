"""A unit's history as people say it: "Graded B by Ana at 10:42", never "unit.updated changed stage".

Each recorded event kind has its sentence, read from the event's own payload; a kind this
module does not know yet still reads as words ("Lot closed"), not as an id or a dict dump.
The time is the station's local time, with the day when it was not today.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

Payload = dict[str, Any]


def _words(text: object) -> str:
    return str(text or "").replace("_", " ").strip()


def _ids(p: Payload) -> str:
    ids = p.get("identifiers") or {}
    return ", ".join(f"{_ident_kind(k)} {v}" for k, v in ids.items()) if isinstance(ids, dict) else ""


def _ident_kind(kind: str) -> str:
    return kind.upper() if kind in ("imei", "meid", "imeisv", "gs1") else _words(kind)


def _created(p: Payload) -> str:
    ids = _ids(p)
    return f"Opened from {ids}" if ids else "Opened"


def _scanned(p: Payload) -> str:
    ident = p.get("identifier") or ["", ""]
    seen = f"Scanned ({_ident_kind(ident[0])} {ident[1]})" if ident[1] else "Scanned"
    return seen + (", already finished" if p.get("finished") else "")


def _updated(p: Payload) -> str:
    changed = p.get("changed") or {}
    if "stage" in changed and len(changed) == 1:
        new = changed["stage"][1] if isinstance(changed["stage"], list) else changed["stage"]
        return f"Moved to {_words(new).capitalize()}"
    if changed:
        return "Intake updated: " + ", ".join(sorted(_words(k) for k in changed))
    if "blocked_reason" in p and p["blocked_reason"] is None:
        return "Hold lifted" + (f" by the {p['by']}" if p.get("by") else "")
    if p.get("evidence_photo"):
        return "Photo of the reset phone kept as evidence"
    return "Updated"


def _graded(p: Payload) -> str:
    return f"Graded {p.get('sale_grade') or '?'}"


def _overridden(p: Payload) -> str:
    reason = f" ({p['reason']})" if p.get("reason") else ""
    return f"Grade set to {p.get('sale_grade') or '?'} by override{reason}"


def _wipe_started(p: Payload) -> str:
    target = p.get("serial") or p.get("device") or ""
    return f"Wipe started: {_words(p.get('method')) or 'wipe'}" + (f" on {target}" if target else "")


def _wipe_finished(p: Payload) -> str:
    how = ", ".join(x for x in (p.get("method_type") if p.get("method_type") != "none" else "",
                                p.get("technique")) if x)
    if p.get("sanitized"):
        return "Sanitized" + (f" ({how})" if how else "")
    status = str(p.get("status") or "").lower()
    word = {"aborted": "stopped, not erased", "interrupted": "interrupted, not erased"}.get(status, "failed")
    return f"Wipe {word}" + (f": {p['reason']}" if p.get("reason") else "")


def _route(p: Payload) -> str:
    return f"Routed to {_words(p.get('route'))}" + (f" ({p['reason']})" if p.get("reason") else "")


def _route_cleared(p: Payload) -> str:
    reasons = "; ".join(p.get("reasons") or []) or _words(p.get("cause"))
    return f"Route {_words(p.get('previous'))} withdrawn" + (f": {reasons}" if reasons else "")


def _scan_back(p: Payload) -> str:
    return "Label checked" if p.get("match") else f"Label check failed: it scanned as {p.get('scanned')}"


def _finished(p: Payload) -> str:
    label = p.get("label") or ""
    if p.get("override_reason"):
        return f"Finished by override ({p['override_reason']})" + (f", {label}" if label else "")
    return "Finished" + (f", {label}" if label else "")


def _identified(p: Payload) -> str:
    what = " ".join(x for x in (p.get("manufacturer"), p.get("model")) if x) or "Phone"
    return f"{what} identified" + (f", IMEI {p['imei']}" if p.get("imei") else "")


_SENTENCES: dict[str, Callable[[Payload], str]] = {
    "unit.created": _created,
    "unit.scanned": _scanned,
    "unit.updated": _updated,
    "unit.blocked": lambda p: f"Held: {p.get('reason') or 'no reason given'}",
    "unit.finished": _finished,
    "unit.medium_attached": lambda p: f"Medium attached: {p.get('what') or 'drive'} {p.get('serial')}, wiped as a "
                                      "part of this unit",
    "unit.wipe_settled": lambda p: f"Wipe of every medium: {_words(p.get('status')) or 'unknown'}",
    "unit.reopened": lambda p: "Reopened" + (f": {p['reason']}" if p.get("reason") else ""),
    "grade.recorded": _graded,
    "grade.overridden": _overridden,
    "photo.captured": lambda p: f"Photo taken: {_words(p.get('shot')) or 'a shot'}",
    "photo.override": lambda p: f"Photos accepted as they are ({p.get('reason') or 'no reason given'})",
    "wipe.started": _wipe_started,
    "wipe.finished": _wipe_finished,
    "wipe.interrupted": _wipe_finished,
    "certificate.issued": lambda p: f"Certificate {p.get('certificate_id') or ''} issued".replace("  ", " "),
    "certificate.validated": lambda p: f"Certificate {p.get('certificate_id')} validated by {p.get('validator')}",
    "route.assigned": _route,
    "route.cleared": _route_cleared,
    "route.gate_overridden": lambda p: f"Route {_words(p.get('route'))} allowed by override ({p.get('reason')})",
    "label.queued": lambda _p: "Label sent to the printer",
    "label.printed": lambda p: "Label printed" + (f" on {p['printer']}" if p.get("printer") else ""),
    "label.scan_back": _scan_back,
    "phone.identified": _identified,
    "phone.prechecked": lambda _p: "Phone checked before its reset",
    "lot.unit_added": lambda p: f"Added to lot {p.get('lot')}",
    "lot.unit_removed": lambda p: f"Taken out of lot {p.get('lot')}",
    "outcome.recorded": lambda p: f"Outcome recorded: {_words(p.get('outcome'))}",
}


def when(at: str, now: datetime | None = None) -> str:
    """'at 10:42' today, 'on 6 Dec at 10:42' another day, in the station's local time."""
    try:
        t = datetime.fromisoformat(at).astimezone()
    except ValueError:
        return ""
    today = (now or datetime.now().astimezone()).date()
    day = "" if t.date() == today else f"on {t.day} {t:%b} "
    return f"{day}at {t:%H:%M}"


def sentence(kind: str, payload: Payload, operator: str | None, at: str, now: datetime | None = None) -> str:
    """One history line as a sentence: what happened, who did it and when."""
    make = _SENTENCES.get(kind)
    try:
        what = make(payload) if make is not None else _words(kind.replace(".", " ")).capitalize()
    except (AttributeError, IndexError, KeyError, TypeError):  # an older payload shape: still words
        what = _words(kind.replace(".", " ")).capitalize()
    who = f" by {operator}" if operator else ""
    moment = when(at, now)
    return f"{what}{who}" + (f" {moment}" if moment else "")

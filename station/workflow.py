"""The bench flow for one unit: intake → grade → photos → wipe → label, and finishing it.

`on_scan()` is where every scan lands, whichever scanner it came from. It classifies
the text, and then signs an operator in, opens or creates a unit (one transaction:
unit + identifiers + event + outbox), or hands a bench command back to the GUI. It
returns a ScanOutcome: what happened, the cue (good / bad / repeat) and the sentence
to show. Nothing is stored for a scan that is not valid.

Other areas hook in here without this module knowing them:
- FINISH_CHECKS: `check(session, unit) -> str | None`; a sentence blocks finishing
  (e.g. "2 required photos are missing: back, screen"). A supervisor may override with a reason.
- ON_FINISH: `hook(ctx, uid) -> str | None`, run after the unit is finished and
  committed (e.g. print its label); the returned sentence goes to the status line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import clock, costs, events, identifiers, labour, operators, return_label, units
from station.context import Operator, StationContext
from station.disposition import DATA_BEARING
from station.errors import ConfigError, UserFacingError
from station.i18n import N_, _, ngettext, shown
from station.identifiers import Classification
from station.models import Operator as OperatorRow
from station.models import Unit
from station.unit_view import UnitView, unit_view
from station.value import capacity

log = logging.getLogger(__name__)

FinishCheck = Callable[[Session, Unit], str | None]
FinishHook = Callable[[StationContext, str], str | None]
FINISH_CHECKS: list[FinishCheck] = []
ON_FINISH: list[FinishHook] = []

STEPS = ("intake", "grade", "photos", "wipe", "label")
# Command barcodes that belong to a panel: the GUI switches to it and calls handle_command().
COMMAND_STEPS = {"GRADE": "grade", "PHOTO": "photos", "WIPE": "wipe", "PRINT": "label", "REPRINT": "label"}
_CLASS_BY_KIND = {"imei": "phone", "imeisv": "phone", "meid": "phone"}
# The words a scan's verdict uses for a step (the panels' own titles) and a role; the codes stay English.
_STEP_WORDS = {"intake": N_("Intake"), "grade": N_("Grade"), "photos": N_("Photos"), "wipe": N_("Wipe"),
               "label": N_("Label")}
_ROLE_WORDS = {"technician": N_("technician"), "supervisor": N_("supervisor")}


@dataclass(frozen=True)
class IntakeDefaults:
    """Values the technician set once for a batch; applied to each new unit scanned."""

    source: str | None = None
    lot_ref: str | None = None
    return_category: str | None = None


Cue = Literal["good", "bad", "repeat"]  # the scanner's beep


@dataclass(frozen=True)
class ScanOutcome:
    # created | opened | finished_unit | reopened | signed_in | signed_out | command | next | finished
    # | blocked | lot | return_label | rejected | need_sign_in
    action: str
    cue: Cue
    message: str
    uid: str | None = None
    classification: Classification | None = None
    command: str | None = None
    argument: str | None = None
    step: str | None = None  # the panel a command or CMD:NEXT leads to
    unit: UnitView | None = None
    operator: Operator | None = None
    blocked: list[str] = field(default_factory=list)
    return_label: return_label.ReturnLabel | None = None  # action "return_label": what the label said


@dataclass(frozen=True)
class FinishResult:
    uid: str
    finished: bool
    blocked: list[str]
    messages: list[str]
    label_unchecked: bool = False  # not finished: its printed label waits for the scan-back check


def _bad(message: str, c: Classification | None = None) -> ScanOutcome:
    return ScanOutcome("rejected", "bad", message, classification=c)


def on_scan(ctx: StationContext, text: str | bytes, *, current_uid: str | None = None,
            current_step: str = "intake", expect: str = "unit",
            defaults: IntakeDefaults | None = None, finish_unchecked: bool = False,
            drive_serials: frozenset[str] = frozenset()) -> ScanOutcome:
    """Everything one scan does. Only store errors raise; a bad scan is an outcome with cue 'bad'.
    `drive_serials`: the serial numbers of the drives on the bench; a new unit scanned by one of them is a
    drive (so its flow has a Wipe step), not an unknown "other"."""
    try:
        c = identifiers.classify(text, ctx.config)
    except UserFacingError as exc:
        return _bad(str(exc))
    if not c.valid:
        return _bad(c.reason, c)
    if c.kind == "badge":
        return _badge(ctx, c)
    if ctx.operator is None:
        return ScanOutcome("need_sign_in", "bad", _("Sign in first: scan your badge, or press Ctrl+L to use your PIN."),
                           classification=c)
    if c.kind == "command":
        return _command(ctx, c, current_uid, current_step, finish_unchecked)
    if expect == "return" and c.kind == "gs1":
        return _return_label(c)
    if c.kind == "lot" or "sscc" in c.parts:
        if expect == "lot":
            return ScanOutcome("lot", "good", _("Lot {lot} set for the next units.").format(lot=c.value),
                               classification=c)
        return _bad(_("{value} is a lot or pallet label, but a unit was expected: scan the unit's own IMEI, "
                      "serial number or unit label.").format(value=c.value), c)
    key = c.identifier
    if key is None:
        gtin = c.parts.get("ai_01", c.value)
        return _bad(_("{value} is a product code (GTIN {gtin}) shared by many units, not one unit: scan the "
                      "unit's serial number or IMEI.").format(value=c.value, gtin=gtin), c)
    return _open_or_create(ctx, c, key, defaults or IntakeDefaults(), drive_serials)


def _return_label(c: Classification) -> ScanOutcome:
    """A return label scanned into the Intake panel's return fields: its date and postage fill them."""
    try:
        found = return_label.read(c)
    except UserFacingError as exc:
        return _bad(str(exc), c)
    return ScanOutcome("return_label", "good", found.sentence(), classification=c, return_label=found)


def _badge(ctx: StationContext, c: Classification) -> ScanOutcome:
    if ctx.operator is not None:
        with ctx.store.reader() as s:
            row = s.get(OperatorRow, ctx.operator.id)
        if row is not None and row.badge == c.value:
            return ScanOutcome("signed_in", "repeat", _("{name} is already signed in.").format(name=row.name),
                               operator=ctx.operator, classification=c)
    try:
        op = operators.sign_in_badge(ctx, c.value)
    except UserFacingError as exc:
        return _bad(str(exc), c)
    role = _(_ROLE_WORDS.get(op.role, op.role))
    return ScanOutcome("signed_in", "good", _("Signed in: {name} ({role}).").format(name=op.name, role=role),
                       operator=op, classification=c)


def _open_or_create(ctx: StationContext, c: Classification, key: tuple[str, str],
                    defaults: IntakeDefaults, drive_serials: frozenset[str] = frozenset()) -> ScanOutcome:
    kind, value = key
    scan = {"identifier": [kind, value], "scanned_as": c.kind, "symbology": c.symbology}
    with ctx.store.session() as s:
        unit = units.find(s, kind, value)
        if unit is None and kind == "unit":
            return _bad(_("Unit label {value} is not in this station's records; scan the device's IMEI or "
                          "serial.").format(value=value), c)
        if unit is None:
            ids = {kind: value}
            if c.kind == "imeisv":
                ids["imeisv"] = c.value
            on_bench = kind == "serial" and value.upper() in drive_serials
            fields = {"device_class": "drive" if on_bench else _CLASS_BY_KIND.get(c.kind, "other"), "stage": "intake",
                      **{k: v for k, v in vars(defaults).items() if v}}
            unit = units.create(s, ctx.actor, ids, **fields)
            view = unit_view(s, unit)
            return ScanOutcome("created", "good", _("New unit {uid} ({scanned}). Fill in the intake details.").format(
                uid=unit.uid, scanned=_describe(c)), unit.uid, c, unit=view)
        finished = unit.finished_at is not None
        events.append(s, ctx.actor, "unit.scanned", {**scan, "finished": finished}, unit)
        view = unit_view(s, unit)
    if finished:
        day = view.finished_at[:10] if view.finished_at else "?"
        return ScanOutcome("finished_unit", "repeat",
                           _("Unit {uid} was finished on {day}: re-print its label (CMD:REPRINT) or re-process "
                             "it (CMD:REPROCESS)?").format(uid=unit.uid, day=day), unit.uid, c, unit=view)
    return ScanOutcome("opened", "repeat", ngettext("Unit {uid} seen before ({count} event); opened with its history.",
                                                    "Unit {uid} seen before ({count} events); opened with its history.",
                                                    view.events_total).format(uid=unit.uid, count=view.events_total),
                       unit.uid, c, unit=view)


def _describe(c: Classification) -> str:
    names = {"imei": "IMEI", "imeisv": "IMEISV", "meid": "MEID", "gs1": "GS1", "asset_tag": _("asset tag"),
             "serial": _("serial")}
    return _("{kind} {value}").format(kind=names.get(c.kind, c.kind), value=c.value)


def _command(ctx: StationContext, c: Classification, uid: str | None, step: str,
             finish_unchecked: bool = False) -> ScanOutcome:
    cmd, arg = c.parts["command"], c.parts.get("argument")
    if cmd == "SIGNOUT":
        name = ctx.operator.name if ctx.operator else ""
        operators.sign_out(ctx)
        return ScanOutcome("signed_out", "good", _("{name} signed out.").format(name=name), classification=c,
                           command=cmd)
    if cmd == "CANCEL":
        return ScanOutcome("command", "good", _("Cancelled."), uid, c, command=cmd)
    if cmd in COMMAND_STEPS:
        return ScanOutcome("command", "good", f"{c.value}", uid, c, command="PRINT" if cmd == "REPRINT" else cmd,
                           argument=arg, step=COMMAND_STEPS[cmd])
    if uid is None:
        return _bad(_("No unit is open: scan the unit first, then {command}.").format(command=c.value), c)
    if cmd == "NEXT":
        view = load_unit(ctx, uid)
        nxt = next_step(step, view.device_class if view else "other")
        words = _(_STEP_WORDS.get(nxt, nxt))
        return ScanOutcome("next", "good", _("Next: {step}.").format(step=words), uid, c, command=cmd, step=nxt)
    if cmd == "REPROCESS":
        view = reprocess(ctx, uid)
        return ScanOutcome("reopened", "good", _("Unit {uid} re-opened for processing.").format(uid=uid), uid, c,
                           unit=view)
    result = finish(ctx, uid, label_unchecked_ok=finish_unchecked)  # FINISH
    if result.label_unchecked:
        return ScanOutcome("check_label", "bad", _("The label of unit {uid} was printed but not checked: scan it "
                                                   "now. To finish without the check, scan CMD:FINISH again (recorded "
                                                   "as 'label not checked').").format(uid=uid), uid, c, command=cmd)
    if not result.finished:
        return ScanOutcome("blocked", "bad", " ".join(map(shown, result.blocked)), uid, c, command=cmd,
                           blocked=result.blocked)
    text = " ".join([_("Unit {uid} finished.").format(uid=uid), *result.messages, _("Scan the next unit.")])
    return ScanOutcome("finished", "good", text, uid, c, command=cmd, unit=load_unit(ctx, uid))


def next_step(step: str, device_class: str) -> str:
    """The step after `step`; units that hold no data skip the wipe."""
    order = [s for s in STEPS if s != "wipe" or device_class in DATA_BEARING]
    i = order.index(step) if step in order else 0
    return order[min(i + 1, len(order) - 1)]


def load_unit(ctx: StationContext, uid: str) -> UnitView | None:
    with ctx.store.reader() as s:
        unit = units.by_uid(s, uid)
        return unit_view(s, unit) if unit is not None else None


def _get(s: Session, uid: str) -> Unit:
    unit = units.by_uid(s, uid)
    if unit is None:
        raise UserFacingError(_("Unit {uid} is not in this station's records; scan it again.").format(uid=uid))
    return unit


def finish(ctx: StationContext, uid: str, override_reason: str | None = None, *,
           label_unchecked_ok: bool = False) -> FinishResult:
    """Run FINISH_CHECKS; if none blocks (or a supervisor overrides with a reason), finish and run ON_FINISH.

    A label printed but not scanned back stops the finish (`label_unchecked`) unless the technician
    chose to go on without the check; the finish event then says "label not checked", never that
    a check happened."""
    from station.steps import label_state

    override_reason = (override_reason or "").strip() or None
    with ctx.store.session() as s:
        unit = _get(s, uid)
        if unit.finished_at:
            raise UserFacingError(_("Unit {uid} is already finished; re-process it first (CMD:REPROCESS).").format(
                    uid=uid))
        blocked = [msg for check in FINISH_CHECKS if (msg := _run_check(check, s, unit))]
        if blocked and override_reason is None:
            return FinishResult(uid, False, blocked, [])
        if blocked and not (ctx.operator and ctx.operator.is_supervisor):
            raise UserFacingError(_("Only a supervisor can finish a unit past its checks; ask one to sign in.")
                                  + " " + " ".join(map(shown, blocked)))
        label = label_state(s, unit)
        if label == "printed" and not label_unchecked_ok:
            return FinishResult(uid, False, [], [], label_unchecked=True)
        at = clock.iso()
        units.touch(unit, stage="finished", finished_at=at)
        payload: dict[str, object] = {"override_reason": override_reason, "overridden": blocked} if blocked else {}
        # data: the event keeps English words; the history translates them when it shows them
        payload["label"] = "label checked" if label == "checked" else "label not checked"
        payload["costs"] = _costs(ctx, s, unit, at)
        events.append(s, ctx.actor, "unit.finished", payload, unit)
    messages: list[str] = [] if label == "checked" else [_("Label not checked.")]
    for hook in list(ON_FINISH):
        try:
            msg = hook(ctx, uid)
        except UserFacingError as exc:
            msg = str(exc)
        except Exception:
            log.exception("finish hook %r failed for %s", hook, uid)
            msg = _("{step} failed; details are in the log.").format(step=getattr(hook, "__name__", _("A finish step")))
        if msg:
            messages.append(msg)
    return FinishResult(uid, True, [], messages)


def _costs(ctx: StationContext, s: Session, unit: Unit, at: str) -> dict[str, object] | None:
    """The unit's labour, handling and inspection, priced with the cost table as it is finished
    (cost per return, docs/supervisor.md). An unreadable cost table never stops a finish."""
    try:
        table = costs.for_config(ctx.config)
    except ConfigError as exc:
        log.error("unit %s finished without its costs: %s", unit.uid, exc)
        return None
    closing = (at, "unit.finished", ctx.operator.role if ctx.operator else None)
    return labour.priced(s, unit, table, ctx.config["costs.site"], closing).record()


def _run_check(check: FinishCheck, s: Session, unit: Unit) -> str | None:
    try:
        return check(s, unit)
    except Exception:  # a broken check must not let a unit through unchecked
        log.exception("finish check %r failed for %s", check, unit.uid)
        # data: a blocked reason is kept in the unit.finished event when a supervisor overrides it
        return f"The check {getattr(check, '__name__', check)!s} failed; details are in the log."


def reprocess(ctx: StationContext, uid: str, reason: str = "") -> UnitView:
    with ctx.store.session() as s:
        unit = _get(s, uid)
        was = unit.finished_at
        units.touch(unit, stage="intake", finished_at=None)
        events.append(s, ctx.actor, "unit.reopened", {"finished_at": was, "reason": reason}, unit)
        return unit_view(s, unit)


INTAKE_FIELDS = {
    "serial": (N_("Serial"), 120), "return_category": (N_("Return category"), 60),
    "return_reason": (N_("Reason for return"), 120), "source": (N_("Source/customer"), 120),
    "lot_ref": (N_("Lot/PO"), 64), "condition_notes": (N_("Condition notes"), 4000),
    "usage_history": (N_("Usage history"), 4000), "capacity": (N_("Capacity"), 120),
}
# Intake fields with a type: text in, checked and converted (a day, an amount) before they are stored.
TYPED_INTAKE_FIELDS: dict[str, Callable[[str | None], str | float | None]] = {
    "return_initiated_on": return_label.initiated_on, "shipping_cost": return_label.shipping_cost,
}


def save_intake(ctx: StationContext, uid: str, values: dict[str, str | None]) -> UnitView:
    """Store the intake fields the technician filled in; one unit.updated event lists what changed."""
    clean: dict[str, str | float | None] = {}
    for key, raw in values.items():
        if key in TYPED_INTAKE_FIELDS:
            clean[key] = TYPED_INTAKE_FIELDS[key](raw)
            continue
        if key not in INTAKE_FIELDS:
            raise ValueError(f"not an intake field: {key}")
        label, limit = INTAKE_FIELDS[key]
        text = (raw or "").strip() or None
        if text and len(text) > limit:
            raise UserFacingError(_("{label} is limited to {limit} characters; shorten it ({length} now).").format(
                    label=_(label), limit=limit, length=len(text)))
        # a typed size is spelled as the probes and labels spell it ('128gb' is '128 GB'): one SKU, one row
        clean[key] = text.upper() if key == "serial" and text else capacity.typed(text) if key == "capacity" else text
    with ctx.store.session() as s:
        unit = _get(s, uid)
        changed = {k: [getattr(unit, k), v] for k, v in clean.items() if getattr(unit, k) != v}
        if not changed:
            return unit_view(s, unit)
        serial = str(clean.get("serial") or "")
        if serial and "serial" in changed:
            other = units.find(s, "serial", serial)
            if other is not None and other.id != unit.id:
                raise UserFacingError(_("Serial {serial} already belongs to unit {uid}; scan that unit "
                                        "instead.").format(serial=serial, uid=other.uid))
            units.add_identifier(s, unit, "serial", serial)
        units.touch(unit, **{k: v for k, (_, v) in changed.items()})
        events.append(s, ctx.actor, "unit.updated", {"changed": changed}, unit)
        return unit_view(s, unit)


def _queue_label(ctx: StationContext, uid: str) -> str | None:
    """Auto-print on finish, only for a unit that has no label yet: never a second copy of one
    already printed (and perhaps checked and stuck on)."""
    from station.labels.flow import queue_on_finish  # labels load only when a unit finishes
    from station.models import PrintJob

    with ctx.store.reader() as s:
        unit = _get(s, uid)
        if s.execute(select(PrintJob.id).where(PrintJob.unit_id == unit.id, PrintJob.status != "failed")).first():
            return None
    return queue_on_finish(ctx, uid)


ON_FINISH.append(_queue_label)


def _graded(s: Session, unit: Unit) -> str | None:
    from station.grading.service import finish_check

    return finish_check(s, unit)


def _photographed(s: Session, unit: Unit) -> str | None:
    from station.photos import finish_check

    return finish_check(s, unit)


def _routed(s: Session, unit: Unit) -> str | None:
    from station.disposition import finish_check

    return finish_check(s, unit)


FINISH_CHECKS.extend((_graded, _photographed, _routed))

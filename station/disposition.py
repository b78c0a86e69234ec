"""Disposition: which route a unit takes, why, what it should recover, and how right we were.

`decide()` is pure: the first rule of the rules file whose conditions hold, and whose route no gate
of the unit closes, gives exactly one route, with the explanation the technician sees, the
estimated value from the price table and the expected recovery (value x the route's recovery
rate). `assign()` records it. It refuses a resale or reuse route for a data-bearing unit until its
sanitization passed (R2v3 Appendix B), and any route a gate closes (locked, locks not checked,
beyond repair, no power, swollen battery: disposition_gates.py); a supervisor may override a gate,
never the sanitization, with a reason, and the override is its own audited event.
`allowed_routes()` lists every route with whether it is open and why not.
Outcomes (sold at grade X, returned by the buyer, route completed) are recorded against the unit
later; the disposition accuracy rate is derived from them.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import clock, events, units
from station.config import Config
from station.context import StationContext
from station.disposition_gates import DATA_BEARING, Facts, facts_for, gates, open_routes, refusal_text, refusing
from station.disposition_rules import REUSE_ROUTES, ROUTES, Rule, Rules, for_config
from station.disposition_vendors import for_config as vendors_for
from station.errors import UserFacingError
from station.grading.service import walks_now
from station.i18n import N_, _, composed, shown
from station.models import Event, Unit
from station.paths import hub_documents
from station.return_label import days_to_value
from station.shifts import zone
from station.value import bands as bands_doc
from station.value import lifecycle as lifecycle_doc
from station.value.bands import CHANNEL_PATTERN
from station.value.lifecycle import Stage

__all__ = ["DATA_BEARING", "Facts", "facts_for"]  # data: names

# The sanitization refusal and the held unit's explanation stay English where they are made (route.cleared and
# route.assigned keep them) and are shown through i18n.shown(), as the gates' reasons are.
WIPE_WORDS = {"none": N_("not wiped"), "aborted": N_("stopped before it finished"), "failed": N_("failed"),
              "interrupted": N_("interrupted")}
composed(*WIPE_WORDS.values())
NOT_SANITIZED, NO_RULE_OPEN, NO_ROUTE_YET = composed(
    N_("This {device} holds data and its sanitization has not passed (wipe: {status}), so it cannot go to "
       "'{route}' (R2v3 Appendix B). Wipe it until the wipe passes, or route it to recycle or harvest parts."),
    N_("No rule's route is open: {why}. Hold it until that changes."),
    # kept by unit.finished when a supervisor finishes the unit anyway
    N_("Unit {uid} has no route yet; assign it on the Grade panel (Ctrl+R) or with '{command}'."))

# The classes that always hold data (the wipe step); an "other" unit holds data unless its grade says not
# (Facts.data_bearing).
SALE_ROUTES = frozenset({"resell_retail", "wholesale_auction", "refurbish"})
MIN_REASON = 5  # characters
OUTCOMES = {
    "sold": N_("sold to a buyer"),
    "returned": N_("returned by the buyer"),
    "completed": N_("the route was carried out as planned (recycled, harvested, redeployed, donated, restocked)"),
    "rerouted": N_("the unit ended on another route than assigned"),
}


@dataclass(frozen=True)
class Pricing:
    """What the hub pushed that prices a unit: the price bands of sold units, and the lifecycle tags."""

    bands: bands_doc.Bands = bands_doc.EMPTY
    lifecycle: lifecycle_doc.Lifecycle = lifecycle_doc.EMPTY

    def band(self, f: Facts, route: str | None = None) -> bands_doc.Band | None:
        """The band of the unit's model and sale grade on `route` (as a channel), else on the channel
        with most sales; None when there is none or it rests on too few sales."""
        if not f.sale_grade or not f.model:
            return None
        for capacity in ((f.capacity, None) if f.capacity else (None,)):  # its own capacity's band, else the model's
            found = (route and self.bands.find(f.make, f.model, capacity, f.sale_grade, route)) or \
                self.bands.find(f.make, f.model, capacity, f.sale_grade)
            if found is not None and found.sales >= self.bands.min_sales:
                return found
        return None

    def stage(self, f: Facts) -> Stage | None:
        return self.lifecycle.stage_of(f.make, f.model, f.capacity) if f.model else None


def pricing_for(config: Config) -> Pricing:
    return Pricing(bands_doc.pushed(hub_documents(config.path, bands_doc.KIND)),
                   lifecycle_doc.pushed(hub_documents(config.path, lifecycle_doc.KIND)))


@dataclass(frozen=True)
class Decision:
    route: str
    label: str
    rule: str
    explanation: str
    estimated_value: float | None
    recovery_rate: float
    expected_value: float | None
    blocked_reason: str | None = None  # set when a gate or the sanitization refuses the route
    vendor: str | None = None  # the downstream vendor's name, once assigned to a vendor route
    band: bands_doc.Band | None = None  # the price band the estimated value is the median of
    stage: Stage | None = None  # the model's lifecycle stage, as the hub tagged it

    def value_text(self, currency: str = "") -> str:
        """What the technician reads about the value: the band (or the price table) and the stage."""
        cur = f" {self.band_currency or currency}".rstrip()
        if self.band is not None:
            b = self.band
            said = _("Price band {low}-{high}{currency}, median {median} ({sales} sales on {channel})").format(
                low=f"{b.p25:,.2f}", high=f"{b.p75:,.2f}", currency=cur, median=f"{b.median:,.2f}", sales=b.sales,
                channel=b.channel.replace("_", " "))
        elif self.estimated_value is not None:
            said = _("No price band for this model and grade: price table {value}{currency}").format(
                value=f"{self.estimated_value:,.2f}", currency=cur)
        else:
            said = _("No price band and no price in the table for this model and grade")
        stage = self.stage.label if self.stage else _("not tagged")
        return _("{value}. Lifecycle: {stage}.").format(value=said, stage=stage)

    def shown_explanation(self) -> str:
        """The explanation in the interface language where it is the station's own (a held unit's); a rule's
        explanation is the site's words, shown as the rules file has them."""
        return shown(self.explanation)

    band_currency: str | None = None

    @property
    def allowed(self) -> bool:
        return self.blocked_reason is None


@dataclass(frozen=True)
class RouteOption:
    """One route as the Route step lists it: open or not, and why not."""

    route: str
    label: str
    allowed: bool
    reason: str | None  # why it is closed (None when open)


def _matches(rule: Rule, f: Facts, value: float | None) -> bool:
    for key, allowed in rule.conditions:
        if key == "model":
            if not any(fnmatch.fnmatch((f.model or "").lower(), g.lower()) for g in allowed):
                return False
        elif key == "defects":
            if not set(f.defects) & set(allowed):
                return False
        elif getattr(f, key) not in allowed:
            return False
    if rule.min_value is not None and (value is None or value < rule.min_value):
        return False
    return not (rule.max_value is not None and (value is None or value > rule.max_value))


def sanitization_block(f: Facts, route: str, rules: Rules | None = None) -> str | None:
    """Why `route` is refused for this unit (R2v3 Appendix B), or None when it may take it."""
    needs = route in REUSE_ROUTES or (rules is not None and rules.routes[route].requires_sanitization)
    if not needs or not f.data_bearing or f.wipe_status == "sanitized":
        return None
    label = rules.routes[route].label if rules else route
    return NOT_SANITIZED.format(device=f.device_class, status=WIPE_WORDS.get(f.wipe_status, f.wipe_status),
                                route=label)


def route_block(rules: Rules, f: Facts, route: str) -> str | None:
    """Why `route` is refused for this unit (a gate, then the sanitization), or None."""
    closing = refusing(f, route)
    if closing:
        return refusal_text(f, rules.routes[route].label, closing,
                            [rules.routes[r].label for r in open_routes(f, ROUTES)])
    return sanitization_block(f, route, rules)


def estimate(rules: Rules, f: Facts, pricing: Pricing | None, route: str | None = None
             ) -> tuple[float | None, bands_doc.Band | None]:
    """The unit's market value: the median of its price band when the hub has one with enough sales,
    else the static price table (station/data/disposition.toml)."""
    band = pricing.band(f, route) if pricing is not None else None
    if band is not None:
        return band.median, band
    return rules.price(f.device_class, f.model, f.cosmetic, f.functional), None


def _decision(rules: Rules, f: Facts, route: str, rule_name: str, template: str,
              pricing: Pricing | None = None) -> Decision:
    value, band = estimate(rules, f, pricing, route)
    r = rules.routes[route]
    # data: words inside the rules file's explanation (the site's English), recorded with the route
    shown = f"{value:.2f} {rules.currency}".strip() if value is not None else "an unknown amount"
    # data: as above
    text = template.format(grade=f.sale_grade or "ungraded", value=shown, model=f.model or "this model",
                           route=r.label, **{"class": f.device_class})
    expected = round(value * r.recovery_rate, 2) if value is not None else None
    return Decision(route, r.label, rule_name, text, value, r.recovery_rate, expected, route_block(rules, f, route),
                    band=band, stage=pricing.stage(f) if pricing is not None else None,
                    band_currency=pricing.bands.currency if band is not None and pricing is not None else None)


def decide(rules: Rules, f: Facts, pricing: Pricing | None = None) -> Decision:
    """Exactly one route: the first rule whose conditions hold and whose route no gate closes.

    A route waiting only for the wipe is still proposed (and shown blocked until the wipe passes).
    When every matching rule's route is gated, the unit is held, with the gates as the reason.
    """
    value, _band = estimate(rules, f, pricing)
    rule = next((r for r in rules.rules if _matches(r, f, value) and not refusing(f, r.route)), None)
    if rule is None:
        why = "; ".join(g.reason for g in gates(f))
        # the gates' reasons hold no braces: the explanation is formatted again as a rule's is
        return _decision(rules, f, "hold", "gated", NO_RULE_OPEN.format(why=why), pricing)
    return _decision(rules, f, rule.route, rule.name, rule.explanation, pricing)


def choose(rules: Rules, f: Facts, route: str, pricing: Pricing | None = None) -> Decision:
    """The decision for a route the technician picked instead of the proposed one."""
    if route not in ROUTES:
        raise UserFacingError(_("'{route}' is not a route; use one of {routes}.").format(
                route=route, routes=', '.join(ROUTES)))
    # data: the rule's name the route.assigned event records
    return _decision(rules, f, route, "chosen by operator", rules.routes[route].explanation, pricing)


def allowed_routes_for(rules: Rules, f: Facts) -> list[RouteOption]:
    """Every route, in the rules' order, with whether this unit may take it and why not."""
    out = []
    for route in ROUTES:
        reason = route_block(rules, f, route)
        out.append(RouteOption(route, rules.routes[route].label, reason is None, reason))
    return out


def allowed_routes(ctx: StationContext, unit_ref: str) -> list[RouteOption]:
    """For the Route step: every route of the unit, open or closed with the reason."""
    with ctx.store.reader() as s:
        return allowed_routes_for(for_config(ctx.config), facts_for(s, _unit(s, unit_ref)))


def preview(ctx: StationContext, unit_ref: str) -> Decision:
    with ctx.store.reader() as s:
        return decide(for_config(ctx.config), facts_for(s, _unit(s, unit_ref)), pricing_for(ctx.config))


def assign(ctx: StationContext, unit_ref: str, route: str | None = None, reason: str | None = None, *,
           override_gate: bool = False, vendor: str | None = None) -> Decision:
    """Record the unit's route (the proposed one, or `route` with a reason). Refused with the reason when
    the unit is ungraded, a gate closes the route, or a data-bearing unit has not passed sanitization.
    `override_gate` lets a signed-in supervisor take a gated route anyway (never past the sanitization).
    Recycle, harvest parts and the hazardous-battery path record their downstream vendor (`vendor`, or
    the first the vendor list names for the route) for R2v3 downstream tracking."""
    rules = for_config(ctx.config)
    vendors = vendors_for(ctx.config)
    pricing = pricing_for(ctx.config)
    with ctx.store.session() as s:
        unit = _unit(s, unit_ref)
        if unit.sale_grade is None:
            raise UserFacingError(_("Unit {uid} has no grade yet; grade it on the Grade panel, then route "
                                    "it.").format(uid=unit.uid))
        f = facts_for(s, unit)
        proposed = decide(rules, f, pricing)
        d = proposed
        if route is not None and route != proposed.route:
            if not reason or len(reason.strip()) < MIN_REASON:
                raise UserFacingError(_("The rules propose '{label}'; choosing '{route}' instead needs a "
                                        "reason (a short sentence).").format(label=proposed.label, route=route))
            d = choose(rules, f, route, pricing)
        closing = refusing(f, d.route)
        overridden = None
        if closing and override_gate:
            _check_gate_override(ctx, reason)
            overridden = [g.code for g in closing]
            d = replace(d, blocked_reason=sanitization_block(f, d.route, rules))
        if d.blocked_reason:
            raise UserFacingError(_("Unit {uid}: {why}").format(uid=unit.uid, why=shown(d.blocked_reason))
                                  + (" " + _("A supervisor may override this gate with a reason.") if closing else ""))
        downstream = vendors.choose(d.route, vendor)
        previous = unit.route
        units.touch(unit, route=d.route, expected_value=d.expected_value, estimated_value=d.estimated_value)
        payload = {
            "route": d.route, "rule": d.rule, "explanation": d.explanation, "estimated_value": d.estimated_value,
            "recovery_rate": d.recovery_rate, "expected_value": d.expected_value, "currency": rules.currency,
            "rules_version": rules.version, "rules_sha256": rules.sha256, "previous": previous,
            "proposed": proposed.route, "reason": reason.strip() if reason else None,
            "sale_grade": f.sale_grade, "wipe_status": f.wipe_status, "defects": list(f.defects), "locks": f.locks,
            "frp": f.frp, "gates": [g.code for g in gates(f)], "gate_override": overridden,
            # R2v3 REC with the sanitization status at the time of routing, not frozen at grade time
            "crosswalks": walks_now(ctx, s, unit),
            "vendor": downstream.record() if downstream else None, "vendors_version": vendors.version,
            # data: where the estimated value came from: the hub's price band (its median), else the price table
            "value_source": "band" if d.band else "price table", "bands_version": pricing.bands.version,
            "band": {"channel": d.band.channel, "sales": d.band.sales, "p25": d.band.p25, "median": d.band.median,
                     "p75": d.band.p75} if d.band else None,
            "lifecycle_stage": str(d.stage) if d.stage else None,
        }
        if overridden:
            events.append(s, ctx.actor, "route.gate_overridden", {
                "route": d.route, "gates": overridden, "reasons": [g.reason for g in closing],
                "reason": (reason or "").strip()}, unit)
        events.append(s, ctx.actor, "route.assigned", payload, unit)
        return replace(d, vendor=downstream.name if downstream else None)


def reconsider(s: Session, actor: events.Actor, unit: Unit, cause: str, *, always: bool = False) -> str | None:
    """Clear a route the unit's facts no longer allow (a lock found, a failed re-wipe), or any route
    when `always` (a re-grade: the route was chosen for the old grade). Returns the cleared route."""
    if unit.route is None:
        return None
    s.flush()  # the facts read the grade and checks written in this transaction
    f = facts_for(s, unit)
    reasons = [g.reason for g in refusing(f, unit.route)]
    blocked = sanitization_block(f, unit.route)
    if blocked:
        reasons.append(blocked)
    if not reasons and not always:
        return None
    previous = unit.route
    units.touch(unit, route=None, expected_value=None, estimated_value=None)
    events.append(s, actor, "route.cleared", {"previous": previous, "cause": cause, "reasons": reasons}, unit)
    return previous


def _check_gate_override(ctx: StationContext, reason: str | None) -> None:
    if not (ctx.operator and ctx.operator.is_supervisor):
        raise UserFacingError(_("Only a supervisor can override a route gate; ask a supervisor to sign in "
                                "with their badge or PIN."))
    if not reason or len(reason.strip()) < MIN_REASON:
        raise UserFacingError(_("Overriding a route gate needs a reason (a short sentence an auditor can "
                                "read)."))


def _unit(s: Session, unit_ref: str) -> Unit:
    unit = units.find_any(s, unit_ref.strip())
    if unit is None:
        raise UserFacingError(_("No unit answers to '{unit_ref}'. Scan the unit's label or one of its "
                                "identifiers.").format(unit_ref=unit_ref))
    return unit


def finish_check(_s: Session, unit: Unit) -> str | None:
    """For workflow.FINISH_CHECKS: a unit is not finished before it has a route."""
    if unit.route is None:
        return NO_ROUTE_YET.format(uid=unit.uid, command=f"station route {unit.uid}")  # data: a command
    return None


@dataclass(frozen=True)
class OutcomeRecord:
    unit_uid: str
    outcome: str
    route: str | None
    accurate: bool


def judge(route: str | None, graded: str | None, outcome: str, sold_grade: str | None) -> bool:
    """Was the disposition right, given what actually happened?"""
    if outcome == "sold":
        if route not in SALE_ROUTES:
            return False
        return route == "refurbish" or sold_grade is None or sold_grade == graded
    return outcome == "completed"


def record_outcome(ctx: StationContext, unit_ref: str, outcome: str, *, sold_grade: str | None = None,
                   amount: float | None = None, note: str | None = None, channel: str | None = None,
                   buyer: str | None = None) -> OutcomeRecord:
    """Record what happened to a routed unit. A sale's `amount` (the realised price) and `channel`
    (a key such as wholesale_auction; by default the route) feed the hub's price bands
    (docs/value-loop.md); an outcome that closes the unit (sold, completed) records the days from
    the return's initiation to it (cycle time to value)."""
    check_outcome(outcome, amount, channel)
    with ctx.store.session() as s:
        return outcome_in(s, ctx, _unit(s, unit_ref), outcome, sold_grade=sold_grade, amount=amount, note=note,
                          channel=channel, buyer=buyer)


def check_outcome(outcome: str, amount: float | None, channel: str | None) -> None:
    if outcome not in OUTCOMES:
        raise UserFacingError(_("'{outcome}' is not an outcome; use one of {outcomes}.").format(
                outcome=outcome, outcomes=', '.join(OUTCOMES)))
    if channel is not None and not re.fullmatch(CHANNEL_PATTERN, channel):
        raise UserFacingError(_("'{channel}' is not a channel key: use lower-case letters, digits, '_' and "
                                "'-' (e.g. wholesale_auction).").format(channel=channel))
    if amount is not None and (not math.isfinite(amount) or amount < 0):
        raise UserFacingError(_("{amount} is not a price a unit was sold for; give 0 or more.").format(amount=amount))


def outcome_in(s: Session, ctx: StationContext, unit: Unit, outcome: str, *, sold_grade: str | None = None,
               amount: float | None = None, note: str | None = None, channel: str | None = None,
               buyer: str | None = None, extra: dict[str, object] | None = None) -> OutcomeRecord:
    """The outcome.recorded event of one unit, in the caller's transaction (a lot's sale records all
    its units in one); checked as record_outcome checks it."""
    if unit.route is None:
        raise UserFacingError(_("Unit {uid} has no route yet; an outcome is recorded against a route.").format(
                uid=unit.uid))
    accurate = judge(unit.route, unit.sale_grade, outcome, sold_grade)
    payload: dict[str, object] = {
        "outcome": outcome, "route": unit.route, "graded": unit.sale_grade, "sold_grade": sold_grade,
        "amount": amount, "expected_value": unit.expected_value, "note": note, "accurate": accurate,
        "channel": channel or unit.route, "buyer": (buyer or "").strip() or None, **(extra or {}),
    }
    if outcome in ("sold", "completed"):
        payload["days_to_value"] = days_to_value(unit.return_initiated_on, clock.iso(), zone(ctx.config))
    events.append(s, ctx.actor, "outcome.recorded", payload, unit)
    return OutcomeRecord(unit.uid, outcome, unit.route, accurate)


@dataclass(frozen=True)
class Accuracy:
    units: int  # units with an outcome recorded
    accurate: int

    @property
    def rate(self) -> float | None:
        return self.accurate / self.units if self.units else None


def accuracy(ctx: StationContext, since: str | None = None, until: str | None = None) -> Accuracy:
    """Share of units whose latest recorded outcome confirms their route (times: ISO text, UTC)."""
    q = select(Event.unit_id, Event.payload).where(Event.kind == "outcome.recorded").order_by(Event.seq)
    if since:
        q = q.where(Event.created_at >= since)
    if until:
        q = q.where(Event.created_at < until)
    latest: dict[int | None, bool] = {}
    with ctx.store.reader() as s:
        for unit_id, payload in s.execute(q):
            latest[unit_id] = bool(json.loads(payload).get("accurate"))
    return Accuracy(len(latest), sum(latest.values()))

"""The Route step of the bench flow: the routes this unit may take, and taking one.

The rules propose one route. When they refuse it (a data-bearing unit whose wipe did not
pass, a lock), the unit is not at a dead end: the routes still allowed are offered, each
with its explanation, and taking one records why the proposal was not followed.
"""

from __future__ import annotations

from dataclasses import dataclass

from station import disposition, units
from station.context import StationContext
from station.disposition_rules import ROUTES, for_config
from station.errors import UserFacingError
from station.i18n import N_, _, composed

# The reason recorded with the route taken instead (route.assigned keeps it English; the history shows it).
(REFUSED_PROPOSAL,) = composed(N_("The proposed route '{route}' is refused: {why}"))


@dataclass(frozen=True)
class RouteChoices:
    uid: str
    proposed: disposition.Decision | None  # None while the unit has no grade
    allowed: list[disposition.Decision]  # the proposed route first when it is allowed
    refused: list[disposition.Decision]  # with blocked_reason
    assigned: str | None  # the route's words, once one is recorded


def choices(ctx: StationContext, uid: str) -> RouteChoices:
    rules = for_config(ctx.config)
    with ctx.store.reader() as s:
        unit = units.by_uid(s, uid)
        if unit is None:
            raise UserFacingError(_("Unit {uid} is not in this station's records; scan it again.").format(uid=uid))
        assigned = rules.routes[unit.route].label if unit.route in rules.routes else unit.route
        if unit.sale_grade is None:
            return RouteChoices(uid, None, [], [], assigned)
        facts = disposition.facts_for(s, unit)
    pricing = disposition.pricing_for(ctx.config)
    proposed = disposition.decide(rules, facts, pricing)
    others = [disposition.choose(rules, facts, r, pricing) for r in ROUTES if r != proposed.route]
    every = [proposed, *others]
    return RouteChoices(uid, proposed, [d for d in every if d.allowed], [d for d in every if not d.allowed], assigned)


def take(ctx: StationContext, uid: str, route: str, reason: str | None = None) -> disposition.Decision:
    """Record `route`. Leaving a refused proposal needs no typed reason: the refusal is the reason."""
    if reason is None:
        offered = choices(ctx, uid)
        p = offered.proposed
        if p is not None and route != p.route and p.blocked_reason:
            reason = REFUSED_PROPOSAL.format(route=p.label, why=p.blocked_reason)
    return disposition.assign(ctx, uid, route, reason)

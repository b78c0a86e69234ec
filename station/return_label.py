"""The customer's side of a return: the day it was initiated and the inbound shipping paid.

Both feed the value loop (docs/supervisor.md): cycle time to value starts at the return's
initiation, not at the bench's intake, and cost per return counts the shipping. The technician
types them on the Intake panel, or scans the return label: a GS1 label carries the day in a
date AI and the postage in an amount-payable AI, read with biip like every other GS1 scan.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

import biip
from biip.gs1_messages import GS1Message

from station import clock
from station.errors import UserFacingError
from station.i18n import _
from station.identifiers import Classification

# Date AIs a return label uses for the day the return began, most telling first: (13) packaging
# date (the day the customer packed it), (4326) release date (the day the carrier was released to
# collect it), (11) production date (the day a returns portal printed the label).
DATE_AIS = ("13", "4326", "11")
# (390n) amount payable in the label's own currency area, (391n) the same with an ISO 4217 code:
# what the return's shipping cost.
AMOUNT_PREFIXES = ("390", "391")
EARLIEST = date(2000, 1, 1)
MAX_COST = 100_000.0
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ReturnLabel:
    initiated_on: str | None  # YYYY-MM-DD
    shipping_cost: float | None
    currency: str | None  # ISO 4217 numeric code from a (391n), else None: the station's own currency
    date_ai: str | None

    def sentence(self) -> str:
        said = []
        if self.initiated_on:
            said.append(f"return initiated {self.initiated_on} (AI {self.date_ai})")
        if self.shipping_cost is not None:
            currency = f" (ISO 4217 {self.currency})" if self.currency else ""
            said.append(f"inbound shipping {self.shipping_cost:.2f}{currency}")
        return "Return label: " + ", ".join(said) + ". Save the intake (Ctrl+S) to keep it."


def initiated_at(day: str, tz: tzinfo) -> datetime:
    """The start of the initiation day in the station's zone: a return initiated on the 2nd and
    sold at noon on the 4th took 2.5 days to reach its value."""
    return datetime.combine(date.fromisoformat(day), time(0), tzinfo=tz)


def days_to_value(day: str | None, closed_at: str, tz: tzinfo) -> float | None:
    """Days from the return's initiation to the outcome that closed it (None: day unknown)."""
    if not day:
        return None
    return round((clock.parse(closed_at) - initiated_at(day, tz)).total_seconds() / 86400, 2)


def initiated_on(text: str | None, today: date | None = None) -> str | None:
    """A typed initiation day (YYYY-MM-DD), checked: a real day, not in the future, not before 2000."""
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) if _DATE.match(raw) else None
    except ValueError:
        day = None
    if day is None:
        raise UserFacingError(_("'{raw}' is not a day: type the return's initiation date as YYYY-MM-DD, "
                                "e.g. 2026-11-02.").format(raw=raw))
    return _checked(day, today)


def _checked(day: date, today: date | None) -> str:
    today = today or clock.now().date()
    if day > today + timedelta(days=1):  # a day's grace: the customer may be a time zone ahead
        raise UserFacingError(_("The return cannot have been initiated on {day}, after today; check the "
                                "date on the return label.").format(day=day.isoformat()))
    if day < EARLIEST:
        raise UserFacingError(_("{day} is too early for a return initiation; check the date.").format(
                day=day.isoformat()))
    return day.isoformat()


def shipping_cost(text: str | None) -> float | None:
    """A typed inbound shipping cost: a number of at most two decimals, 0 or more."""
    raw = (text or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or value > MAX_COST or round(value, 2) != value:
        raise UserFacingError(_("'{raw}' is not a shipping cost: type an amount such as 6.40 (0 or more, at "
                                "most {MAX_COST:,.0f}).").format(raw=raw, MAX_COST=MAX_COST))
    return value


def read(c: Classification, today: date | None = None) -> ReturnLabel:
    """The initiation day and shipping cost a scanned GS1 return label carries. A GS1 code with
    neither is refused with a sentence saying what to scan instead."""
    if c.kind == "gs1" and not c.valid:
        raise UserFacingError(_("{reason} Scan the return label again, or type the date and cost.").format(
                reason=c.reason))
    if c.kind != "gs1":
        raise UserFacingError(_("{value} is not a GS1 return label; scan the label's GS1-128 barcode, or "
                                "type the date and cost.").format(value=c.value))
    try:
        msg = GS1Message.parse_hri(c.value) if c.value.startswith("(") else GS1Message.parse(c.value)
    except biip.ParseError as exc:
        raise UserFacingError(_("The return label could not be read ({exc}); type the date and cost.").format(
            exc=exc)) from exc
    by_ai = {es.ai.ai: es for es in msg.element_strings}
    date_ai = next((ai for ai in DATE_AIS if ai in by_ai and by_ai[ai].date is not None), None)
    day = _checked(by_ai[date_ai].date, today) if date_ai else None  # type: ignore[arg-type]
    cost, currency = None, None
    for ai, es in by_ai.items():
        if ai[:3] in AMOUNT_PREFIXES and es.decimal is not None:
            cost = float(es.decimal)
            currency = es.value[:3] if ai.startswith("391") else None  # ISO 4217's numeric code, e.g. 978
            break
    if day is None and cost is None:
        found = ", ".join(f"({ai})" for ai in by_ai)
        raise UserFacingError(_("This GS1 label ({found}) carries no date and no amount; scan the return "
                                "label, or type the initiation date and shipping cost.").format(found=found))
    return ReturnLabel(day, cost, currency, date_ai)

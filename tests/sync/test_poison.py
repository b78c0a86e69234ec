"""No poison events: the station refuses at the source what the hub would refuse, and one event the
hub still refuses is kept as its hash, quarantined with its reason, and holds up nothing behind it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from station import limits, operators
from station.errors import UserFacingError
from station.sync import run_once, status
from station.sync.hub.models import HubEvent, HubIncident, HubStation
from station.sync.hub.queries import verify_station_chain
from tests.sync.factory import add_events

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
LONG = "A" * 142  # the audit's operator name


def test_an_operator_name_longer_than_the_hub_takes_is_refused_when_the_operator_is_created(ctx):
    with pytest.raises(UserFacingError, match=f"at most {limits.OPERATOR_NAME_MAX} characters"):
        operators.add(ctx, LONG, pin="1234")
    assert operators.add(ctx, "A" * limits.OPERATOR_NAME_MAX, pin="1234").name == "A" * limits.OPERATOR_NAME_MAX


@pytest.mark.parametrize("poison", ["operator", "payload"])
def test_one_event_the_hub_refuses_is_quarantined_and_the_rest_of_the_chain_goes_through(
        poison, hub, tokens, make_station, hub_store):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"))
    bad = 7  # the 7th of 60: 53 behind it, as in the audit
    add_events(ctx, 60, operator=lambda i: LONG if poison == "operator" and i == bad - 1 else "Tess",
               payload=lambda i: {"i": i, "note": "x" * (limits.EVENT_PAYLOAD_MAX + 1)}
               if poison == "payload" and i == bad - 1 else {"i": i})
    report = run_once(ctx)
    assert report.events_sent == 59 and len(report.errors) == 1 and f"#{bad}" in report.errors[0]
    st = status(ctx)
    assert st.backlog_events == 0 and st.level == "warn" and "1 quarantined" in st.text
    assert f"event #{bad}" in st.quarantined[0] and ("operator" in st.quarantined[0] or "payload" in
                                                      st.quarantined[0])
    with hub_store.session() as s:
        assert s.get(HubStation, "bench-1").head_seq == 60
        kept = s.execute(select(HubEvent).where(HubEvent.seq == bad)).scalar_one()
        assert kept.kind == "hub.refused" and kept.operator_name is None
        incidents = s.execute(select(HubIncident).where(HubIncident.kind == "refused")).scalars().all()
        assert [(i.seq, i.resolved_at) for i in incidents] == [(bad, None)]
        assert verify_station_chain(s, "bench-1")["ok"]  # the hash the hub kept still links the chain
    # later passes neither resend nor report it again
    add_events(ctx, 3)
    again = run_once(ctx)
    assert again.ok and again.events_sent == 3

"""The queue rule orders by urgency and approval date only: nothing about the person counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from hypothesis import given, settings
from hypothesis import strategies as st

from collecte.domain.queue import URGENCY_CODES, order, position, queue_key


@dataclass(frozen=True)
class Req:
    """A request with everything a beneficiary could bring along, to prove it is ignored."""

    id: int
    urgency: str
    approved_at: dt.datetime
    household_category: str = "single"
    eligibility_criterion: str = "rsa"
    commune_code: str = "91228"
    accessibility_needs: tuple[str, ...] = ()
    purpose: str = "job_search"
    notes: str = ""
    submitted_at: dt.datetime | None = None


_dates = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 1, 1),
                      timezones=st.just(dt.UTC))
_other = st.fixed_dictionaries({
    "household_category": st.sampled_from(["single", "single_parent", "couple", "other"]),
    "eligibility_criterion": st.sampled_from(["rsa", "ass", "aah", "aspa", "refugee", "other"]),
    "commune_code": st.sampled_from(["91228", "93066", "69123", "2A004", "97411"]),
    "accessibility_needs": st.lists(st.sampled_from(["large_screen", "screen_reader"]),
                                    max_size=2).map(tuple),
    "purpose": st.sampled_from(["job_search", "schooling", "procedures", "health", "other"]),
    "notes": st.text(max_size=20),
})


@st.composite
def queues(draw):
    n = draw(st.integers(min_value=0, max_value=30))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    return [Req(id=i, urgency=draw(st.sampled_from(URGENCY_CODES)), approved_at=draw(_dates),
                **draw(_other)) for i in ids]


@settings(deadline=None)
@given(queues(), st.data())
def test_no_attribute_other_than_urgency_and_dates_changes_the_order(queue, data):
    before = [r.id for r in order(queue)]
    changed = [replace(r, **data.draw(_other), submitted_at=data.draw(_dates)) for r in queue]
    assert [r.id for r in order(changed)] == before


@settings(deadline=None)
@given(queues())
def test_the_order_does_not_depend_on_how_the_requests_arrive(queue):
    assert [r.id for r in order(queue)] == [r.id for r in order(list(reversed(queue)))]


@settings(deadline=None)
@given(queues())
def test_urgent_first_then_earliest_approval(queue):
    keys = [queue_key(r) for r in order(queue)]
    assert keys == sorted(keys)
    for r in queue:
        assert position(r, queue) == [x.id for x in order(queue)].index(r.id) + 1


def test_an_urgent_request_approved_later_is_still_served_first():
    early = Req(id=1, urgency="standard", approved_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    urgent = Req(id=2, urgency="safety", approved_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    assert [r.id for r in order([early, urgent])] == [2, 1]

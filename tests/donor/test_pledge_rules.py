"""The pledge transitions table and guards (pure)."""

from __future__ import annotations

import datetime as dt

from collecte.domain import pledges as rules
from collecte.domain.pledges import PledgeFacts, Status

TODAY = dt.date(2026, 11, 23)
READY = PledgeFacts(item_count=3, pickup_address="1 rue", contact_name="C", contact_email="c@x",
                    today=TODAY)


def test_every_status_is_in_the_table_and_final_ones_lead_nowhere():
    assert set(rules.ALLOWED) == set(Status)
    for final in (Status.CLOSED, Status.DECLINED, Status.CANCELLED):
        assert rules.allowed_next(final) == ()


def test_a_donor_submits_a_complete_pledge():
    assert rules.check_transition(Status.DRAFT, Status.SUBMITTED, "donor", READY) is None


def test_a_pledge_of_zero_items_cannot_be_submitted():
    refusal = rules.check_transition(Status.DRAFT, Status.SUBMITTED, "donor",
                                     PledgeFacts(**{**vars(READY), "item_count": 0}))
    assert refusal.code == "guard-failed" and "items" in refusal.errors


def test_a_municipality_needs_its_council_decision_before_submitting():
    facts = PledgeFacts(**{**vars(READY), "is_municipality": True})
    assert "council_decision_ref" in rules.check_transition(
        Status.DRAFT, Status.SUBMITTED, "donor", facts).errors
    facts = PledgeFacts(**{**vars(facts), "council_decision_ref": "DCM 2026-041"})
    assert rules.check_transition(Status.DRAFT, Status.SUBMITTED, "donor", facts) is None


def test_a_pickup_window_in_the_past_is_refused():
    facts = PledgeFacts(**{**vars(READY), "window_start": TODAY - dt.timedelta(days=1)})
    assert "window_start" in rules.check_transition(Status.DRAFT, Status.SUBMITTED, "donor",
                                                    facts).errors


def test_only_managers_accept_and_a_decline_needs_a_reason():
    assert rules.check_transition(Status.SUBMITTED, Status.ACCEPTED, "donor",
                                  READY).code == "role-not-allowed"
    assert rules.check_transition(Status.SUBMITTED, Status.ACCEPTED, "manager", READY) is None
    assert "reason" in rules.check_transition(Status.SUBMITTED, Status.DECLINED, "manager",
                                              READY).errors


def test_an_unapproved_organisation_cannot_submit():
    facts = PledgeFacts(**{**vars(READY), "org_is_approved": False})
    assert "organisation" in rules.check_transition(Status.DRAFT, Status.SUBMITTED, "donor",
                                                    facts).errors


def test_a_collected_pledge_cannot_be_cancelled():
    assert rules.check_transition(Status.COLLECTED, Status.CANCELLED, "manager",
                                  READY).code == "transition-not-allowed"


def test_outcomes_never_name_a_household():
    assert rules.outcome("allocated") == "reused"
    assert rules.outcome("cancelled") == "not_received"
    assert rules.reason_code("recycled") == "end-of-life"

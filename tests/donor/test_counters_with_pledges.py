"""Pledged placeholders count on the dashboard from creation, and follow their operator."""

from collecte.services import counters, pledges
from collecte.services.pledges import PledgeDraft


def test_placeholders_and_their_acceptance_keep_the_counters_exact(db, make, world):
    import inspect

    fields = inspect.signature(PledgeDraft).parameters
    draft = PledgeDraft(**{k: v for k, v in {
        "items": {"laptop": 3, "smartphone": 2}, "pickup_address": "1 rue du Don, 91000 Évry",
        "contact_name": "Service informatique", "contact_email": "it@example.org",
        "contact_phone": "0102030405"}.items() if k in fields})
    pledge = pledges.create_pledge(world.donor, draft, submit=True)
    assert counters.check(db.session) == []
    pledges.transition(world.manager, pledge.id, "accept")
    assert counters.check(db.session) == []

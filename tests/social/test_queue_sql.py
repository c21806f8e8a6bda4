"""The queue positions read from the database follow the one rule of domain.queue."""

from __future__ import annotations

import datetime as dt
import random

from collecte.domain.models import utcnow
from collecte.domain.queue import URGENCY_CODES, order
from collecte.services.allocation import queue_position


def test_database_positions_match_the_domain_rule(world, make):
    rng = random.Random(5)
    base = utcnow() - dt.timedelta(days=100)
    same_time = base + dt.timedelta(days=3)
    requests = [make.approved_request(
        world.partner, urgency=rng.choice(URGENCY_CODES),
        approved_at=same_time if n % 4 == 0 else base + dt.timedelta(hours=rng.randint(0, 900)))
        for n in range(16)]
    make.approved_request(world.partner, kind="tablet")  # another queue
    make.approved_request(world.partner, department_code="69")  # another territory
    expected = [r.id for r in order(requests)]
    assert [queue_position(r) for r in sorted(requests, key=lambda r: expected.index(r.id))
            ] == list(range(1, 17))

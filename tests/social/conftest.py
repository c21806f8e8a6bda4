"""Fixtures of the social workers' tests: an approved request with a ready device to give."""

from __future__ import annotations

import datetime as dt

import pytest


def beneficiary_body(**fields) -> dict:
    today = dt.date.today()
    body = {"reference": "Mme A-17", "commune_code": "91228", "household_category": "single",
            "accessibility_needs": ["large_screen"], "eligibility_criterion": "rsa",
            "attested_at": today.isoformat(),
            "eligible_until": (today + dt.timedelta(days=180)).isoformat()}
    body.update(fields)
    return body


@pytest.fixture
def ready_device(make, world):
    def _ready(**fields):
        return make.device("ready", operator=world.operator, **fields)

    return _ready

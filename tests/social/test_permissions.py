"""Who may do what with requests, reservations and handovers."""

from __future__ import annotations

import pytest

from collecte.errors import Conflict, Invalid, NotFound
from collecte.services import allocation, handover, requests


def test_only_managers_decide_and_only_within_their_territory(world, make):
    request = make.approved_request(world.partner, status="submitted", approved_at=None)
    with pytest.raises(NotFound):
        requests.approve(world.social, request.id)
    with pytest.raises(NotFound):
        requests.approve(world.tech, request.id)
    with pytest.raises(NotFound):  # Atelier B serves the Rhône, not the Essonne
        requests.approve(world.other_manager, request.id)
    assert requests.approve(world.national_manager, request.id).status == "approved"


def test_a_social_worker_sees_only_their_structures_requests(world, make):
    request = make.approved_request(world.partner)
    with pytest.raises(NotFound):
        requests.get_request(world.other_social, request.id)
    with pytest.raises(NotFound):
        requests.get_request(world.donor, request.id)
    with pytest.raises(NotFound):
        requests.contest(world.other_social, request.id, "non")


def test_the_social_worker_may_confirm_the_pickup_but_not_another_operators_technician(
        world, make, db):
    request = make.approved_request(world.partner)
    device = make.device("ready", operator=world.operator)
    code = allocation.reserve(world.manager, request.id, device.code).pickup_code
    with pytest.raises(Invalid):
        handover.confirm(world.other_tech, code)
    with pytest.raises(Invalid):
        handover.confirm(world.other_social, code)
    done = handover.confirm(world.social, code)
    assert done.device.stage == "allocated"
    with pytest.raises(Conflict, match="déjà été remis"):
        handover.confirm(world.social, code)


def test_a_request_that_is_not_approved_cannot_be_reserved(world, make):
    request = make.approved_request(world.partner, status="submitted", approved_at=None)
    device = make.device("ready", operator=world.operator)
    with pytest.raises(Conflict) as refused:
        allocation.reserve(world.manager, request.id, device.code)
    assert refused.value.code == "request-not-approved"


def test_the_suggestion_takes_the_longest_ready_device_of_the_kind_in_the_territory(
        world, make, db):
    import datetime as dt

    from collecte.domain.models import utcnow

    request = make.approved_request(world.partner)
    old = make.device("ready", operator=world.operator,
                      stage_changed_at=utcnow() - dt.timedelta(days=9))
    make.device("ready", operator=world.operator, stage_changed_at=utcnow())
    make.device("ready", operator=world.operator, kind="tablet",
                stage_changed_at=utcnow() - dt.timedelta(days=30))
    make.device("ready", operator=world.other_operator,
                stage_changed_at=utcnow() - dt.timedelta(days=60))  # serves the Rhône
    assert allocation.suggest(world.manager, request.id).device.id == old.id
    assert allocation.suggest(world.national_manager, request.id).device.id == old.id


def test_the_explanation_counts_devices_in_the_workshop(world, make):
    request = make.approved_request(world.partner)
    for stage in ("received", "wiped", "checked", "ready"):
        make.device(stage, operator=world.operator)
    sentence = allocation.explain(request)
    assert sentence == ("1er dans la file pour un ordinateur portable, département Essonne "
                        "(91) ; 3 ordinateurs portables sont en cours de reconditionnement.")

"""The social workers' API: beneficiaries, requests, decisions, reservation and handover."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from collecte.domain.models import Allocation, BeneficiaryAccess, Device, StatusEvent
from tests.social.conftest import beneficiary_body


def _request(api, beneficiary_id, **fields):
    body = {"beneficiary_id": beneficiary_id, "device_kind": "laptop", "purpose": "job_search",
            "urgency": "standard", "notes": "Cherche un emploi de comptable"}
    body.update(fields)
    return api.post("/api/v1/requests", json=body)


def test_the_whole_path_from_beneficiary_to_allocated_device(api_as, world, ready_device, db):
    device = ready_device()
    social, manager = api_as(world.social), api_as(world.manager)
    created = social.post("/api/v1/beneficiaries", json=beneficiary_body())
    assert created.status_code == 201, created.json
    assert created.json["department_code"] == "91"
    request = _request(social, created.json["id"])
    assert request.status_code == 201, request.json
    request_id = request.json["id"]
    assert request.json["status"] == "submitted"

    approved = manager.post(f"/api/v1/requests/{request_id}/approve")
    assert approved.json["status"] == "approved"
    assert approved.json["queue_position"] == 1
    seen = social.get(f"/api/v1/requests/{request_id}").json
    assert seen["explanation"].startswith("1er dans la file pour un ordinateur portable, "
                                          "département Essonne (91)")

    suggestion = manager.get(f"/api/v1/requests/{request_id}/suggestion").json
    assert suggestion["device_code"] == device.printed_code
    reserved = manager.post(f"/api/v1/requests/{request_id}/reserve",
                            json={"code": suggestion["device_code"]})
    assert reserved.status_code == 201, reserved.json
    code = reserved.json["pickup_code"]
    assert len(code) == 6
    assert reserved.json["explanation"]["queue_position"] == 1
    assert db.session.get(Device, device.id).stage == "reserved"
    assert social.get(f"/api/v1/requests/{request_id}").json["pickup_code"] == code

    handed = api_as(world.tech).post("/api/v1/handovers", json={"pickup_code": code.lower()})
    assert handed.status_code == 201, handed.json
    assert handed.json["device_stage"] == "allocated"
    assert social.get(f"/api/v1/requests/{request_id}").json["status"] == "handed_over"
    events = db.session.scalars(select(StatusEvent.to_status).where(
        StatusEvent.entity_type == "request", StatusEvent.entity_id == request_id)
        .order_by(StatusEvent.id)).all()
    assert events == ["submitted", "approved", "reserved", "handed_over"]


def test_a_beneficiary_is_invisible_to_another_partner_and_each_read_is_logged(
        api_as, world, make, db):
    beneficiary = make.beneficiary(world.partner)
    assert api_as(world.other_social).get(
        f"/api/v1/beneficiaries/{beneficiary.id}").status_code == 404
    assert api_as(world.donor).get(f"/api/v1/beneficiaries/{beneficiary.id}").status_code == 404
    assert api_as(world.manager).get(
        f"/api/v1/beneficiaries/{beneficiary.id}").status_code == 404
    assert api_as(world.social).get(f"/api/v1/beneficiaries/{beneficiary.id}").status_code == 200
    reads = db.session.scalars(select(BeneficiaryAccess)).all()
    assert [(r.user_id, r.action) for r in reads] == [(world.social.id, "read")]


def test_a_request_for_another_partners_beneficiary_is_not_found(api_as, world, make):
    theirs = make.beneficiary(world.other_partner)
    response = _request(api_as(world.social), theirs.id)
    assert response.status_code == 404


def test_an_expired_attestation_is_refused_saying_since_when(api_as, world, make):
    old = make.beneficiary(world.partner, eligible_until=dt.date(2025, 3, 31),
                           attested_at=dt.date(2024, 4, 1))
    response = _request(api_as(world.social), old.id)
    assert response.status_code == 422
    assert "depuis le 01/04/2025" in response.json["detail"]


def test_unknown_urgency_and_server_owned_fields_are_refused(api_as, world, make):
    beneficiary = make.beneficiary(world.partner)
    social = api_as(world.social)
    assert _request(social, beneficiary.id, urgency="vip").status_code == 422
    sneaky = _request(social, beneficiary.id, organisation_id=world.other_partner.id,
                      status="approved")
    assert sneaky.status_code == 422
    assert set(sneaky.json["errors"]) == {"organisation_id", "status"}
    assert social.post("/api/v1/beneficiaries",
                       json=beneficiary_body(organisation_id=1)).status_code == 422


def test_a_rejection_needs_a_reason_and_is_reviewed_by_another_manager(api_as, world, make):
    request = make.approved_request(world.partner, status="submitted", approved_at=None)
    manager = api_as(world.manager)
    assert manager.post(f"/api/v1/requests/{request.id}/reject", json={"reason": ""}
                        ).status_code == 422
    rejected = manager.post(f"/api/v1/requests/{request.id}/reject",
                            json={"reason": "Un appareil a déjà été remis au foyer."})
    assert rejected.json["status"] == "rejected"
    social = api_as(world.social)
    contested = social.post(f"/api/v1/requests/{request.id}/contest",
                            json={"note": "Ce n'est pas le même foyer."})
    assert contested.status_code == 200
    same = manager.post(f"/api/v1/requests/{request.id}/review", json={"decision": "approve"})
    assert same.status_code == 409
    other = make.user("manager", world.operator)
    reviewed = api_as(other).post(f"/api/v1/requests/{request.id}/review",
                                  json={"decision": "approve", "note": "Vérifié."})
    assert reviewed.status_code == 200, reviewed.json
    assert reviewed.json["status"] == "approved"


def test_reserving_a_device_no_longer_ready_says_why(api_as, world, make, ready_device):
    request = make.approved_request(world.partner)
    device = make.device("checked", operator=world.operator)
    response = api_as(world.manager).post(f"/api/v1/requests/{request.id}/reserve",
                                          json={"code": device.code})
    assert response.status_code == 409
    assert "n'est plus prêt" in response.json["detail"]


def test_a_device_cannot_be_reserved_twice(api_as, world, make, ready_device, db):
    first, second = make.approved_request(world.partner), make.approved_request(world.partner)
    device = ready_device()
    manager = api_as(world.manager)
    assert manager.post(f"/api/v1/requests/{first.id}/reserve",
                        json={"code": device.code}).status_code == 201
    again = manager.post(f"/api/v1/requests/{second.id}/reserve", json={"code": device.code})
    assert again.status_code == 409
    assert db.session.scalars(select(Allocation)).all().__len__() == 1


def test_wrong_pickup_codes_are_explained_then_rate_limited(api_as, world, make, ready_device):
    tech = api_as(world.tech)
    for _ in range(5):
        wrong = tech.post("/api/v1/handovers", json={"pickup_code": "ZZZZZZ"})
        assert wrong.status_code == 422
        assert "Vérifiez chaque caractère" in wrong.json["detail"]
    assert tech.post("/api/v1/handovers", json={"pickup_code": "ZZZZZZ"}).status_code == 429


def test_the_gdpr_export_holds_everything_and_is_logged(api_as, world, make, db):
    beneficiary = make.beneficiary(world.partner)
    make.approved_request(world.partner, beneficiary=beneficiary, notes="note")
    data = api_as(world.social).get(f"/api/v1/beneficiaries/{beneficiary.id}/export").json
    assert data["beneficiary"]["reference"] == beneficiary.reference
    assert data["requests"][0]["notes"] == "note"
    assert data["accesses"][-1]["action"] == "export"

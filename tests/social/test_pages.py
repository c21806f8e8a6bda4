"""The social workers' and allocation pages, through the test client."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from collecte.domain.models import Allocation, Beneficiary, Device


def test_a_social_worker_records_a_beneficiary_and_a_request_in_pages(world, client,
                                                                      login_as, db):
    login_as(world.social)
    today = dt.date.today()
    response = client.post("/social/beneficiaries/new", data={
        "reference": "M. B-3", "commune_code": "91228", "household_category": "single",
        "accessibility_needs": ["large_screen"], "eligibility_criterion": "rsa",
        "attested_at": today.isoformat(),
        "eligible_until": (today + dt.timedelta(days=90)).isoformat()})
    assert response.status_code == 303, response.data
    beneficiary = db.session.scalar(select(Beneficiary))
    response = client.post("/social/requests/new", data={
        "beneficiary_id": beneficiary.id, "device_kind": "laptop", "purpose": "schooling",
        "urgency": "deadline"})
    assert response.status_code == 303, response.data
    home = client.get("/social/").get_data(as_text=True)
    assert "Demande envoyée" in home
    assert "M. B-3" in home


def test_the_beneficiary_page_logs_each_read_and_hides_from_others(world, client, login_as,
                                                                   make):
    beneficiary = make.beneficiary(world.partner, reference="Mme C")
    login_as(world.other_social)
    assert client.get(f"/social/beneficiaries/{beneficiary.id}").status_code == 404
    login_as(world.social)
    page = client.get(f"/social/beneficiaries/{beneficiary.id}").get_data(as_text=True)
    assert "Mme C" in page and "Qui a consulté cette fiche" in page
    assert client.get(f"/social/beneficiaries/{beneficiary.id}/export.json").json[
        "beneficiary"]["reference"] == "Mme C"


def test_the_gdpr_export_as_pdf(world, client, login_as, make):
    beneficiary = make.beneficiary(world.partner)
    login_as(world.social)
    response = client.get(f"/social/beneficiaries/{beneficiary.id}/export.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


def test_a_manager_approves_and_confirms_the_suggested_device_in_pages(world, client, login_as,
                                                                       make, db):
    request = make.approved_request(world.partner, status="submitted", approved_at=None)
    device = make.device("ready", operator=world.operator)
    login_as(world.manager)
    assert f"Demande n° {request.id}" in client.get("/allocation/").get_data(as_text=True)
    client.post(f"/allocation/requests/{request.id}/approve")
    page = client.get(f"/allocation/requests/{request.id}").get_data(as_text=True)
    assert device.printed_code in page
    client.post(f"/allocation/requests/{request.id}/reserve", data={"code": device.printed_code})
    assert db.session.get(Device, device.id).stage == "reserved"
    code = db.session.scalar(select(Allocation.pickup_code))
    sheet = client.get(f"/social/requests/{request.id}/sheet").get_data(as_text=True)
    assert "Pour l'allumer" in sheet
    done = client.post("/allocation/handover", data={"pickup_code": code})
    assert "Remise enregistrée" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Device, device.id).stage == "allocated"


def test_the_rules_page_is_readable_by_anyone_logged_in(world, client, login_as):
    login_as(world.donor)
    page = client.get("/allocation/rules").get_data(as_text=True)
    assert "Premier arrivé, premier servi" in page
    assert "Mise en sécurité" in page

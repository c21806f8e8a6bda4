"""Donor signup: SIRET check digit, INSEE code, approval by a manager."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from collecte.domain.models import Organisation, OutboxMail
from collecte.errors import Invalid
from collecte.services import organisations

GOOD_SIRET = "73282932000074"
BAD_SIRET = "73282932000075"


def test_a_siret_with_a_wrong_check_digit_is_refused():
    with pytest.raises(Invalid) as error:
        organisations.check_siret(BAD_SIRET)
    assert "clé de contrôle" in error.value.errors["siret"][0]
    assert organisations.check_siret("732 829 320 00074") == GOOD_SIRET


def test_a_company_signs_up_unapproved_and_a_manager_approves_it(signup_app, client, world,
                                                                 db, login_as):
    response = client.post("/signup", data={
        "kind": "donor_company", "name": "ACME SAS", "siret": BAD_SIRET, "user_name": "Ada",
        "email": "ada@acme.example", "password": "correct horse battery"})
    assert response.status_code == 422 and "clé de contrôle" in response.get_data(as_text=True)
    response = client.post("/signup", data={
        "kind": "donor_company", "name": "ACME SAS", "siret": GOOD_SIRET, "user_name": "Ada",
        "email": "ada@acme.example", "password": "correct horse battery"})
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name == "ACME SAS"))
    assert org.is_approved is False and org.siret == GOOD_SIRET
    page = client.get("/donor/").get_data(as_text=True)
    assert "attend sa validation" in page
    assert client.get("/donor/pledges/new").get_data(as_text=True).count("attend") >= 1
    assert any("ACME" in m.subject for m in db.session.scalars(select(OutboxMail)))

    client.post("/logout")
    login_as(world.national_manager)
    assert "ACME SAS" in client.get("/donor/manage/").get_data(as_text=True)
    assert client.post(f"/donor/manage/organisations/{org.id}/approve").status_code == 302
    db.session.refresh(org)
    assert org.is_approved is True


def test_a_municipality_signs_up_with_its_insee_code(signup_app, client, db):
    response = client.post("/signup", data={
        "kind": "donor_municipality", "name": "Commune d'Évry", "insee_code": "9122",
        "user_name": "Maire", "email": "mairie@evry.example", "password": "correct horse battery"})
    assert response.status_code == 422 and "INSEE" in response.get_data(as_text=True)
    client.post("/signup", data={
        "kind": "donor_municipality", "name": "Commune d'Évry", "insee_code": "91228",
        "user_name": "Maire", "email": "mairie@evry.example", "password": "correct horse battery"})
    org = db.session.scalar(select(Organisation).where(Organisation.insee_code == "91228"))
    assert org.kind == "donor_municipality" and org.department_code == "91"

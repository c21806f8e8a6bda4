"""In Chromium: from a social worker's request to a device handed over; contest and review.

Every page of the journey passes axe-core (WCAG 2.1 A/AA).
"""

from __future__ import annotations

import datetime as dt

import pytest

from collecte.domain.models import Device
from tests.e2e.conftest import assert_accessible, login


@pytest.fixture
def social_server(live_server):
    return live_server


@pytest.fixture
def as_user(browser, social_server):
    """A logged-in page per person (one browser context each), closed after the test."""
    contexts = []

    def _open(email):
        context = browser.new_context(locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        login(page, social_server, email)
        return page

    yield _open
    for context in contexts:
        context.close()


def _world(make):
    world = make.world()
    device = make.device("ready", operator=world.operator, make="Dell", model="Latitude 5490")
    second_manager = make.user("manager", world.operator)
    return {"social": world.social.email, "other_social": world.other_social.email,
            "manager": world.manager.email, "second_manager": second_manager.email,
            "tech": world.tech.email, "device_id": device.id, "code": device.printed_code}


def _new_request(page, server, reference):
    page.goto(f"{server.url}/social/")
    assert_accessible(page)
    page.get_by_role("link", name="Nouveau bénéficiaire").first.click()
    assert_accessible(page)
    today = dt.date.today()
    page.get_by_label("Référence (un pseudonyme, jamais le nom)").fill(reference)
    page.get_by_label("Code INSEE de la commune").fill("91228")
    page.get_by_label("Situation du foyer").select_option("single_parent")
    page.get_by_label("Grand écran").check()
    page.get_by_label("Critère d'éligibilité").select_option("rsa")
    page.get_by_label("Valable jusqu'au").fill((today + dt.timedelta(days=200)).isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/social/requests/new**")
    assert_accessible(page)
    page.get_by_label("Appareil demandé").select_option("laptop")
    page.get_by_label("Pour quoi faire").select_option("job_search")
    page.get_by_role("button", name="Envoyer la demande").click()
    page.wait_for_url("**/social/requests/*")
    assert "Demande envoyée" in page.locator("#status-sentence").inner_text()
    assert_accessible(page)
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def test_a_request_goes_from_social_worker_to_an_allocated_device(social_server, as_user):
    w = social_server.run(_world)
    social = as_user(w["social"])
    request_id = _new_request(social, social_server, "Mme A-17")

    manager = as_user(w["manager"])
    manager.goto(f"{social_server.url}/allocation/")
    assert_accessible(manager)
    manager.get_by_role("link", name=f"Demande n° {request_id}").first.click()
    manager.get_by_role("button", name="Approuver").click()
    assert w["code"] in manager.locator("#suggested-device").inner_text()
    assert_accessible(manager)
    manager.get_by_role("button", name="Confirmer et réserver").click()
    assert "réservé" in manager.get_by_role("status").first.inner_text()
    assert_accessible(manager)

    social.goto(f"{social_server.url}/social/requests/{request_id}")
    code = social.locator("#pickup-code").inner_text()
    assert "réservé" in social.locator("#status-sentence").inner_text()
    social.get_by_role("link", name="Fiche de remise à imprimer").click()
    assert "Pour l'allumer" in social.content()
    assert code in social.content()
    assert_accessible(social)

    tech = as_user(w["tech"])
    tech.goto(f"{social_server.url}/allocation/handover")
    assert_accessible(tech)
    tech.get_by_label("Code de retrait").fill("ZZZZZZ")
    tech.get_by_role("button", name="Confirmer la remise").click()
    assert "Vérifiez chaque caractère" in tech.content()
    assert_accessible(tech)
    tech.get_by_label("Code de retrait").fill(code.lower())
    tech.get_by_role("button", name="Confirmer la remise").click()
    assert "Remise enregistrée" in tech.locator("#handover-done").inner_text()

    stage = social_server.run(lambda make: make.session.get(Device, w["device_id"]).stage)
    assert stage == "allocated"
    social.goto(f"{social_server.url}/social/")
    assert "remis" in social.content()

    other = as_user(w["other_social"])
    beneficiary_page = f"{social_server.url}/social/beneficiaries/1"
    response = other.goto(beneficiary_page)
    assert response.status == 404
    assert "Mme A-17" not in other.content()


def test_a_rejected_request_is_contested_and_reviewed_by_another_manager(social_server,
                                                                         as_user):
    w = social_server.run(_world)
    social = as_user(w["social"])
    request_id = _new_request(social, social_server, "M. B-4")

    manager = as_user(w["manager"])
    manager.goto(f"{social_server.url}/allocation/requests/{request_id}")
    manager.get_by_label("Raison du refus").fill("Un ordinateur a déjà été remis à ce foyer.")
    manager.get_by_role("button", name="Refuser").click()
    assert "refusée" in manager.get_by_role("status").first.inner_text()

    social.goto(f"{social_server.url}/social/requests/{request_id}")
    assert "Vous pouvez contester" in social.locator("#status-sentence").inner_text()
    assert_accessible(social)
    social.get_by_label("Pourquoi contestez-vous ce refus ?").fill("C'est un autre foyer.")
    social.get_by_role("button", name="Contester").click()
    assert "réexamen" in social.locator("#status-sentence").inner_text()

    manager.goto(f"{social_server.url}/allocation/requests/{request_id}")
    assert "un autre responsable doit réexaminer" in manager.content()

    reviewer = as_user(w["second_manager"])
    reviewer.goto(f"{social_server.url}/allocation/requests/{request_id}")
    assert_accessible(reviewer)
    reviewer.get_by_label("Approuver la demande").check()
    reviewer.get_by_role("button", name="Enregistrer le réexamen").click()
    assert "1er dans la file" in reviewer.locator("#status-sentence").inner_text()

    social.goto(f"{social_server.url}/social/requests/{request_id}")
    assert "1er dans la file pour un ordinateur portable" in social.locator(
        "#status-sentence").inner_text()


def test_the_rules_page_is_accessible(social_server, as_user):
    w = social_server.run(_world)
    page = as_user(w["social"])
    page.goto(f"{social_server.url}/allocation/rules")
    assert "premier servi" in page.content()
    assert_accessible(page)

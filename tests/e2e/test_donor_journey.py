"""In Chromium: a donor signs up, pledges by form and by a GLPI CSV, a manager accepts and
schedules; after the workshop work the donor downloads three PDFs that match the records."""

from __future__ import annotations

import datetime as dt
import subprocess

from sqlalchemy import select

from collecte.domain.models import Device, Organisation, Pledge, User, utcnow
from collecte.extensions import db
from collecte.services import pledges as pledge_service
from collecte.services import stages
from tests.donor.conftest import glpi_csv, laptop_rows, run_jobs
from tests.e2e.conftest import assert_accessible, login

SIRET = "73282932000074"


def _world(make):
    world = make.world()
    return {"manager": world.manager.email, "national": world.national_manager.email,
            "tech_id": world.tech.id, "manager_id": world.manager.id,
            "partner_id": world.partner.id}


def _logout(page):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/login**")


def _run_jobs(make, server):
    return run_jobs(server.app)


def _workshop(make, pledge_id: int, ids: dict) -> dict:
    """Receive everything, erase and wipe; one laptop handed over, one for parts."""
    tech = db.session.get(User, ids["tech_id"])
    manager = db.session.get(User, ids["manager_id"])
    pledge_service.transition(manager, pledge_id, "collect")
    devices = db.session.scalars(select(Device).where(Device.pledge_id == pledge_id)
                                 .order_by(Device.id)).all()
    for device in devices:
        stages.advance(tech, device.code, "received")
        stages.advance(tech, device.code, "diagnosed")
    given, parts = devices[0], devices[1]
    stages.advance(tech, parts.code, "parts", note="Carte mère hors service")
    for device in devices[2:] + [given]:
        make.erased_medium(device)
        stages.advance(tech, device.code, "wiped")
    stages.advance(tech, given.code, "refurbished")
    make.functional_check(given, grade="A")
    stages.advance(tech, given.code, "checked")
    stages.advance(tech, given.code, "ready")
    partner = db.session.get(Organisation, ids["partner_id"])
    request = make.approved_request(partner)
    allocation = make.allocation(request, given)
    stages.advance(tech, given.code, "reserved")
    allocation.handed_over_at = utcnow()
    db.session.commit()
    stages.advance(tech, given.code, "allocated")
    pledge_service.transition(manager, pledge_id, "close")
    return {"wiped": [(d.printed_code, d.serial) for d in devices[2:] + [given]],
            "received": [(d.printed_code, d.serial) for d in devices],
            "given": given.printed_code}


def _download(page, name: str, tmp_path) -> str:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).first.click()
    path = tmp_path / f"{name}.pdf"
    info.value.save_as(path)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_a_donor_pledges_and_downloads_documents_matching_the_records(live_server, page,
                                                                      tmp_path):
    ids = live_server.run(_world)
    url = live_server.url

    # 1. Sign up (unapproved: the donor sees a waiting notice).
    page.goto(f"{url}/signup")
    assert_accessible(page)
    page.get_by_label("Une entreprise").check()
    page.get_by_label("Nom de l'organisation").fill("ACME Informatique SAS")
    page.get_by_label("SIRET (entreprises, 14 chiffres)").fill(SIRET)
    page.get_by_label("Département (par exemple 91)").fill("91")
    page.get_by_label("Votre nom").fill("Ada Lovelace")
    page.get_by_label("Adresse e-mail").fill("ada@acme.example")
    page.get_by_label("Mot de passe (10 caractères au moins)").fill("correct horse battery")
    page.get_by_role("button", name="Créer le compte").click()
    page.wait_for_url("**/donor/")
    assert "attend sa validation" in page.content()
    assert_accessible(page)
    _logout(page)

    # 2. A coordination manager approves the organisation.
    login(page, live_server, ids["national"])
    page.goto(f"{url}/donor/manage/")
    assert_accessible(page)
    page.get_by_role("button", name="Valider ACME Informatique SAS").click()
    _logout(page)

    # 3. The donor pledges 3 laptops by form.
    login(page, live_server, "ada@acme.example", "correct horse battery")
    page.goto(f"{url}/donor/")
    assert_accessible(page)
    page.get_by_role("link", name="Promettre un don").click()
    assert_accessible(page)
    page.get_by_label("Ordinateurs portables").fill("3")
    page.get_by_label("Adresse d'enlèvement").fill("12 rue des Lilas, 91000 Évry")
    page.get_by_label("Personne à contacter").fill("Ada Lovelace")
    page.get_by_label("E-mail du contact").fill("ada@acme.example")
    start = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    page.get_by_label("Enlèvement possible à partir du").fill(start)
    page.get_by_role("button", name="Envoyer la promesse de don").click()
    page.wait_for_url("**/donor/pledges/*")
    pledge_url = page.url
    pledge_id = int(pledge_url.rstrip("/").rsplit("/", 1)[1])
    assert "Envoyée" in page.locator("h1").inner_text()
    assert_accessible(page)

    # 4. ... and 40 devices by uploading a GLPI export (cp1252, ';').
    csv_path = tmp_path / "glpi.csv"
    csv_path.write_bytes(glpi_csv(laptop_rows(40, prefix="GLPI")))
    page.get_by_label("Fichier d'inventaire (CSV, XLSX ou ODS, 50 Mo au plus)").set_input_files(
        str(csv_path))
    page.get_by_role("button", name="Envoyer le fichier").click()
    page.wait_for_url("**/inventory/**")
    assert "cp1252" in page.content() and "40 appareils seront ajoutés" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url("**/jobs/**")
    assert_accessible(page)
    live_server.run(_run_jobs, live_server)
    page.reload()
    assert "40 ajoutés, 0 mis à jour, 0 refusés" in page.content()
    assert_accessible(page)
    _logout(page)

    # 5. The workshop's manager accepts and schedules the pickup.
    login(page, live_server, ids["manager"])
    page.goto(pledge_url)
    page.get_by_role("button", name="Accepter").click()
    assert "Acceptée" in page.locator("h1").inner_text()
    when = (dt.datetime.now() + dt.timedelta(days=6)).strftime("%Y-%m-%dT10:00")
    page.get_by_label("Date et heure d'enlèvement (heure de Paris)").fill(when)
    page.get_by_role("button", name="Planifier l'enlèvement").click()
    assert "Enlèvement planifié" in page.locator("h1").inner_text()
    assert_accessible(page)
    _logout(page)

    # 6. The workshop's work, through the services.
    facts = live_server.run(_workshop, pledge_id, ids)

    # 7. The donor follows up and downloads the three documents.
    login(page, live_server, "ada@acme.example", "correct horse battery")
    page.goto(pledge_url)
    assert "Clôturée" in page.locator("h1").inner_text()
    assert "Réemployé (remis à un foyer)" in page.content()
    for label in ("Certificat d'effacement des données", "Attestation de don",
                  "Bilan d'impact"):
        page.get_by_label("Document à émettre").select_option(label=label)
        page.get_by_role("button", name="Émettre le document").click()
    live_server.run(_run_jobs, live_server)
    page.goto(pledge_url)
    assert_accessible(page)

    certificate = _download(page, "Certificat d'effacement des données", tmp_path)
    assert f"Effacements par support ({len(facts['wiped'])})" in certificate
    for code, serial in facts["wiped"]:
        assert code in certificate
        if serial:
            assert serial in certificate
    attestation = _download(page, "Attestation de don", tmp_path)
    assert "ACME Informatique SAS" in attestation and f"SIRET {SIRET}" in attestation
    assert "Aucune valeur n'est indiquée" in attestation
    for code, serial in facts["received"]:
        assert code in attestation and (not serial or serial in attestation)
    report = _download(page, "Bilan d'impact", tmp_path)
    assert "Appareils reçus" in report and "43" in report
    assert "Appareils réemployés" in report and "Foyers équipés" in report
    assert "1,8 kg" in report and "132,7 kg CO2e" in report  # 1 laptop: 1.834 kg, 265.3 × 0.5
    with live_server.app.app_context():
        assert db.session.get(Pledge, pledge_id).status == "closed"
        db.session.remove()

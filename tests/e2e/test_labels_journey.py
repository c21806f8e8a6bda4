"""In Chromium: a technician receives a pledge's devices, prints their labels, downloads the PDF,
and every QR code on it reads back as the device's URL; the pages pass axe-core."""

from pathlib import Path

from tests.e2e.conftest import assert_accessible, login
from tests.printing.decode import decode_pdf


def _setup(make):
    world = make.world()
    pledge = make.pledge(world.donor_org, operator_id=world.operator.id, status="accepted")
    devices = [make.device("pledged", operator=world.operator, donor=world.donor_org,
                           pledge_id=pledge.id, make="Dell", model=f"Latitude 54{i}0")
               for i in range(5)]
    return world.tech.email, pledge.id, [d.code for d in devices]


def _run_job(make, job_id):
    from workers.tasks.labels import print_labels

    print_labels(job_id)


def test_a_technician_receives_a_pledge_and_prints_labels_that_decode(live_server, page,
                                                                      tmp_path):
    email, pledge_id, codes = live_server.run(_setup)
    login(page, live_server, email)
    page.goto(f"{live_server.url}/labels/receive")
    assert_accessible(page)
    page.get_by_role("link", name=f"Promesse n° {pledge_id}").click()
    page.wait_for_url(f"**/labels/receive/{pledge_id}")
    assert_accessible(page)
    for code in codes:
        assert page.get_by_label(f"{code[:4]}-{code[4:8]}-{code[8:]}", exact=False).is_checked()
    page.get_by_label("Modèle d'étiquettes").select_option("avery-l7160")
    page.get_by_role("button", name="Recevoir les appareils cochés").click()
    page.wait_for_url("**/labels/jobs/*")
    assert "5 appareil(s) reçu(s)" in page.get_by_role("status").first.inner_text()
    assert_accessible(page)
    job_id = page.url.rsplit("/", 1)[1]
    live_server.run(_run_job, job_id)
    # The page's script polls the job and reveals the download link when it is done.
    download_link = page.get_by_role("link", name="Télécharger les étiquettes")
    download_link.wait_for(state="visible", timeout=15_000)
    assert "5 étiquettes" in page.locator("#job-status").inner_text()
    assert page.locator("#job-progress").get_attribute("value") is not None
    with page.expect_download() as info:
        download_link.click()
    pdf = tmp_path / "labels.pdf"
    info.value.save_as(pdf)
    pages = tmp_path / "pages"
    pages.mkdir()
    found = decode_pdf(Path(pdf), pages)
    assert sorted(url for p in found for url in p) == sorted(
        f"{live_server.url}/d/{code}" for code in codes)
    assert_accessible(page)


def test_the_printer_and_register_pages_are_accessible(live_server, page):
    email, _, _ = live_server.run(_setup)
    login(page, live_server, email)
    page.goto(f"{live_server.url}/labels/printers")
    assert_accessible(page)
    page.get_by_label("Nom de l'imprimante").fill("Brother atelier")
    page.get_by_label("Modèle d'étiquettes", exact=True).select_option("brother-ql-62x29")
    page.get_by_label("Décalage horizontal (mm, positif vers la droite)").fill("0.5")
    page.get_by_role("button", name="Enregistrer l'imprimante").click()
    assert page.get_by_role("row", name="Brother atelier").is_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/labels/register")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer l'appareil").click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/labels/")
    assert_accessible(page)

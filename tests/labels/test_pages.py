"""The label pages: print a selection, printer profiles, alignment page, receive, register."""

import re

from sqlalchemy import select

from collecte.domain.models import Device, Job, PrinterProfile
from collecte.extensions import db


def test_a_technician_prints_typed_codes_and_follows_the_job(client, login_as, world, make,
                                                             run_job):
    devices = [make.device("received", operator=world.operator) for _ in range(2)]
    login_as(world.tech)
    page = client.get("/labels/")
    assert page.status_code == 200 and "avery-l7160" in page.get_data(as_text=True)
    response = client.post("/labels/", data={
        "codes": "\n".join(d.printed_code for d in devices), "layout": "avery-l7160",
        "profile_id": "", "start_at": "1", "format": "pdf"})
    assert response.status_code == 303, response.get_data(as_text=True)
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    waiting = client.get(f"/labels/jobs/{job_id}").get_data(as_text=True)
    assert "<progress" in waiting and 'role="status"' in waiting and "Actualiser" in waiting
    run_job(job_id)
    done = client.get(f"/labels/jobs/{job_id}").get_data(as_text=True)
    assert "Télécharger les étiquettes" in done and "hidden" not in done.split('id="job-download"')[1][:10]
    pdf = client.get(f"/jobs/{job_id}/result")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_unknown_codes_are_shown_on_the_form(client, login_as, world):
    login_as(world.tech)
    response = client.post("/labels/", data={"codes": "7K3M-9QXT-A", "layout": "avery-l7160",
                                             "profile_id": "", "start_at": "1", "format": "pdf"})
    assert response.status_code == 422
    assert "7K3M-9QXT-A" in response.get_data(as_text=True)


def test_other_roles_do_not_see_the_label_pages(client, login_as, world):
    login_as(world.donor)
    for url in ("/labels/", "/labels/printers", "/labels/receive", "/labels/register"):
        assert client.get(url).status_code == 404


def test_a_printer_profile_is_added_and_its_alignment_page_downloaded(client, login_as, world):
    login_as(world.tech)
    response = client.post("/labels/printers", data={
        "name": "Laser <b>bureau</b>", "layout_id": "avery-l7163", "offset_x_mm": "1.5",
        "offset_y_mm": "-0.5"})
    assert response.status_code == 303
    page = client.get("/labels/printers").get_data(as_text=True)
    assert "Laser &lt;b&gt;bureau&lt;/b&gt;" in page and "<b>bureau" not in page
    profile = db.session.scalar(select(PrinterProfile))
    pdf = client.get(f"/labels/alignment.pdf?profile_id={profile.id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert b"/PrintScaling /None" in pdf.data
    plain = client.get("/labels/alignment.pdf?layout=avery-l7651")
    assert plain.status_code == 200
    assert client.post(f"/labels/printers/{profile.id}/delete").status_code == 303
    assert db.session.scalar(select(PrinterProfile)) is None


def test_a_pledge_is_received_from_its_page_with_its_labels(client, login_as, world,
                                                            pledge_with_placeholders, run_job):
    pledge, devices = pledge_with_placeholders(3)
    login_as(world.tech)
    listing = client.get("/labels/receive").get_data(as_text=True)
    assert f"/labels/receive/{pledge.id}" in listing
    page = client.get(f"/labels/receive/{pledge.id}").get_data(as_text=True)
    assert all(d.printed_code in page for d in devices)
    response = client.post(f"/labels/receive/{pledge.id}", data={
        "codes": [devices[0].code, devices[1].code], "print_labels": "y",
        "layout": "avery-l7160", "profile_id": "", "start_at": "1", "format": "pdf"})
    assert response.status_code == 303, response.get_data(as_text=True)
    job = run_job(response.headers["Location"].rsplit("/", 1)[1])
    assert job.result["labels"] == 2
    db.session.rollback()
    stages = [db.session.get(Device, d.id).stage for d in devices]
    assert stages == ["received", "received", "pledged"]
    assert client.get(f"/labels/receive/{pledge.id}").status_code == 200
    login_as(world.other_tech)
    assert client.get(f"/labels/receive/{pledge.id}").status_code == 404


def test_an_unannounced_device_is_registered_from_the_form(client, login_as, world):
    login_as(world.tech)
    response = client.post("/labels/register", data={
        "kind": "tablet", "make": "Apple", "model": "iPad <7>", "serial": "DMP123",
        "asset_tag": "", "donor_id": "", "layout": "avery-l7160", "profile_id": "",
        "start_at": "1", "format": "pdf"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert re.search(r"/d/[0-9A-Z]{9}$", response.headers["Location"])
    device = db.session.scalar(select(Device).where(Device.serial == "DMP123"))
    assert device.stage == "received" and device.model == "iPad <7>"
    assert db.session.scalar(select(Job)) is None  # labels not asked for
    missing = client.post("/labels/register", data={
        "kind": "tablet", "layout": "avery-l7160", "start_at": "1", "format": "pdf"})
    assert missing.status_code == 422 and "numéro de série" in missing.get_data(as_text=True)

"""Donor pages: new pledge form, pledge page, inventory mapping + preview, admin outbox."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from collecte.domain.models import Device, Pledge
from tests.donor.conftest import glpi_csv, laptop_rows


def _form(**extra):
    today = dt.date.today()
    data = {"laptop": "3", "desktop": "0", "tablet": "0", "smartphone": "0", "monitor": "0",
            "other": "0", "pickup_address": "2 place de la Mairie", "contact_name": "Léa",
            "contact_email": "lea@donateur.example",
            "window_start": (today + dt.timedelta(days=3)).isoformat(), "submit": "1"}
    data.update(extra)
    return data


def test_a_donor_pledges_three_laptops_by_form(client, login_as, world, db):
    login_as(world.donor)
    response = client.post("/donor/pledges/new", data=_form())
    assert response.status_code == 302
    pledge = db.session.scalars(select(Pledge)).one()
    assert pledge.status == "submitted" and pledge.items == {"laptop": 3}
    page = client.get(f"/donor/pledges/{pledge.id}").get_data(as_text=True)
    assert "Envoyée" in page and page.count("Promis") >= 3
    assert "Don n° 1" in client.get("/donor/").get_data(as_text=True)


def test_bad_form_input_is_shown_next_to_the_fields(client, login_as, world, db):
    login_as(world.donor)
    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    response = client.post("/donor/pledges/new", data=_form(window_start=past))
    assert response.status_code == 422 and "passée" in response.get_data(as_text=True)
    response = client.post("/donor/pledges/new", data=_form(laptop="0"))
    assert "au moins un appareil" in response.get_data(as_text=True)
    assert db.session.scalars(select(Device)).all() == []


def test_upload_mapping_preview_then_import(client, login_as, world, db, jobs):
    login_as(world.donor)
    client.post("/donor/pledges/new", data=_form())
    rows = laptop_rows(5) + [("SN00001", "Dell", "E7", "Portable", "", "")]
    response = client.post("/donor/pledges/1/inventory", data={
        "file": (io.BytesIO(glpi_csv(rows)), "glpi.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    assert "cp1252" in page and "5 appareils seront ajoutés" in page and "déjà ligne 3" in page
    assert db.session.query(Device).count() == 3  # nothing written by the preview
    response = client.post(mapping_url, data={"go": "import", "map_serial": "1", "map_make": "2",
                                              "map_model": "3", "map_kind": "4",
                                              "map_asset_tag": "5", "map_purchase_date": "6"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    jobs()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5 ajoutés, 0 mis à jour, 1 refusés" in page
    assert db.session.query(Device).count() == 8


def test_the_admin_sees_the_outbox(client, login_as, world, db):
    login_as(world.donor)
    client.post("/donor/pledges/new", data=_form())
    client.post("/logout")
    login_as(world.admin)
    assert "outbox" in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "lea@donateur.example" in page and "est envoyée" in page


def test_a_manager_accepts_and_schedules_from_the_pledge_page(client, login_as, world, db):
    login_as(world.donor)
    client.post("/donor/pledges/new", data=_form())
    client.post("/logout")
    login_as(world.manager)
    assert "Don n° 1" in client.get("/donor/manage/").get_data(as_text=True)
    client.post("/donor/pledges/1/accept")
    when = (dt.datetime.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    client.post("/donor/pledges/1/schedule", data={"pickup_at": when})
    pledge = db.session.get(Pledge, 1)
    db.session.refresh(pledge)
    assert pledge.status == "scheduled" and pledge.operator_id == world.operator.id


def test_the_donor_home_page_title_is_plain_text(client, login_as, world):
    login_as(world.donor)
    page = client.get("/donor/").get_data(as_text=True)
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and "Mes dons" in title
    assert page.count('id="yearly-title"') == 1

"""Receiving: a pledge's placeholders become received devices; unannounced ones are registered."""

from sqlalchemy import select

from collecte.domain.models import Device, StageEvent
from collecte.extensions import db


def test_a_technician_receives_every_placeholder_of_a_pledge_and_queues_their_labels(
        api_as, world, pledge_with_placeholders, run_job, app):
    pledge, devices = pledge_with_placeholders(3)
    response = api_as(world.tech).post("/api/v1/receipts", json={
        "pledge_id": pledge.id, "labels": {"layout": "avery-l7160"}})
    assert response.status_code == 201, response.json
    assert [d["stage"] for d in response.json["devices"]] == ["received"] * 3
    assert {d["site"]["id"] for d in response.json["devices"]} == {world.site.id}
    db.session.rollback()
    events = db.session.scalars(select(StageEvent).where(
        StageEvent.device_id.in_([d.id for d in devices]), StageEvent.to_stage == "received"))
    assert {e.actor_id for e in events} == {world.tech.id}
    job = run_job(response.json["label_job_id"])
    assert job.state == "done" and job.result["labels"] == 3


def test_some_placeholders_can_be_received_by_code_and_the_rest_later(
        api_as, world, pledge_with_placeholders):
    pledge, devices = pledge_with_placeholders(3)
    client = api_as(world.tech)
    first = client.post("/api/v1/receipts", json={"pledge_id": pledge.id,
                                                  "codes": [devices[0].printed_code]})
    assert first.status_code == 201 and len(first.json["devices"]) == 1
    assert first.json["label_job_id"] is None
    again = client.post("/api/v1/receipts", json={"pledge_id": pledge.id,
                                                  "codes": [devices[0].code]})
    assert again.status_code == 404  # no longer a placeholder waiting for receipt
    rest = client.post("/api/v1/receipts", json={"pledge_id": pledge.id})
    assert len(rest.json["devices"]) == 2
    done = client.post("/api/v1/receipts", json={"pledge_id": pledge.id})
    assert done.status_code == 409


def test_another_operator_cannot_receive_a_pledge_nor_learn_it_exists(
        api_as, world, pledge_with_placeholders):
    pledge, devices = pledge_with_placeholders(1)
    for user in (world.other_tech, world.donor, world.social):
        response = api_as(user).post("/api/v1/receipts", json={"pledge_id": pledge.id})
        assert response.status_code == 404
    db.session.rollback()
    assert db.session.get(Device, devices[0].id).stage == "pledged"


def test_an_unannounced_device_is_registered_as_received_at_the_technician_s_site(
        api_as, world, run_job):
    response = api_as(world.tech).post("/api/v1/devices", json={
        "kind": "laptop", "make": "Dell", "model": "Latitude 5490", "serial": "CN-0XYZ",
        "labels": {"layout": "brother-ql-62x29"}})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["stage"] == "received" and body["site"]["id"] == world.site.id
    assert body["url"].startswith("https://collecte.test/d/")
    db.session.rollback()
    device = db.session.scalar(select(Device).where(Device.serial == "CN-0XYZ"))
    assert device.operator_id == world.operator.id and device.donor_id is None
    event = db.session.scalar(select(StageEvent).where(StageEvent.device_id == device.id))
    assert (event.from_stage, event.to_stage, event.actor_id) == (None, "received", world.tech.id)
    assert run_job(body["label_job_id"]).state == "done"
    listed = api_as(world.tech).get("/api/v1/devices").json["items"]
    assert body["code"] in [d["code"] for d in listed]


def test_registering_a_device_checks_its_fields_and_who_asks(api_as, world):
    client = api_as(world.tech)
    bad = client.post("/api/v1/devices", json={"kind": "toaster", "make": "X"})
    assert bad.status_code == 422 and {"kind", "serial"} <= set(bad.json["errors"])
    foreign_site = client.post("/api/v1/devices", json={
        "kind": "laptop", "serial": "S1", "site_id": world.other_site.id})
    assert foreign_site.status_code == 404
    owned = client.post("/api/v1/devices", json={"kind": "laptop", "serial": "S1",
                                                 "stage": "ready"})
    assert owned.status_code == 422  # server-owned fields are refused
    for user in (world.donor, world.social):
        assert api_as(user).post("/api/v1/devices", json={
            "kind": "laptop", "serial": "S2"}).status_code == 404


def test_a_donor_can_be_named_for_an_unannounced_device(api_as, world):
    response = api_as(world.manager).post("/api/v1/devices", json={
        "kind": "smartphone", "make": "Samsung", "serial": "R58", "donor_id": world.donor_org.id})
    assert response.status_code == 201, response.json
    not_a_donor = api_as(world.manager).post("/api/v1/devices", json={
        "kind": "smartphone", "serial": "R59", "donor_id": world.partner.id})
    assert not_a_donor.status_code == 422

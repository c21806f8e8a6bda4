"""Pledges through the API: scoped to the donor, the life cycle, placeholders and mails."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from collecte.domain.models import Device, OutboxMail, StageEvent, StatusEvent


def _create(api, form, **extra):
    response = api.post("/api/v1/pledges", json={**form, **extra})
    assert response.status_code == 201, response.json
    return response.json


def test_a_donor_pledges_items_by_kind_and_gets_pledged_placeholders(api_as, world, db,
                                                                     pledge_form):
    pledge = _create(api_as(world.donor), pledge_form)
    assert pledge["status"] == "draft" and pledge["device_count"] == 3
    devices = db.session.scalars(select(Device).where(Device.pledge_id == pledge["id"])).all()
    assert sorted(d.kind for d in devices) == ["laptop", "laptop", "smartphone"]
    assert {d.stage for d in devices} == {"pledged"}
    assert {d.donor_id for d in devices} == {world.donor_org.id}
    events = db.session.scalars(select(StageEvent).where(
        StageEvent.device_id.in_([d.id for d in devices]))).all()
    assert [(e.from_stage, e.to_stage) for e in events] == [(None, "pledged")] * 3


def test_the_whole_life_cycle_appends_status_events_and_mails_the_donor(api_as, world, db,
                                                                        pledge_form):
    donor, manager = api_as(world.donor), api_as(world.manager)
    pledge = _create(donor, pledge_form)
    pid = pledge["id"]
    assert donor.post(f"/api/v1/pledges/{pid}/submit", json={}).json["status"] == "submitted"
    accepted = manager.post(f"/api/v1/pledges/{pid}/accept", json={})
    assert accepted.status_code == 200 and accepted.json["operator_id"] == world.operator.id
    assert {d.operator_id for d in db.session.scalars(
        select(Device).where(Device.pledge_id == pid))} == {world.operator.id}
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    scheduled = manager.post(f"/api/v1/pledges/{pid}/schedule", json={"pickup_at": when})
    assert scheduled.json["status"] == "scheduled" and scheduled.json["pickup_at"]
    assert manager.post(f"/api/v1/pledges/{pid}/collect", json={}).json["status"] == "collected"
    assert manager.post(f"/api/v1/pledges/{pid}/close", json={}).json["status"] == "closed"
    events = db.session.scalars(select(StatusEvent).where(
        StatusEvent.entity_type == "pledge", StatusEvent.entity_id == pid)).all()
    assert [e.to_status for e in events] == ["draft", "submitted", "accepted", "scheduled",
                                             "collected", "closed"]
    mails = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert len(mails) == 5 and {m.to_address for m in mails} == {"camille@donateur.example"}
    assert "planifié" in mails[2].subject


def test_a_coordinator_manager_chooses_the_operator(api_as, world, pledge_form):
    pid = _create(api_as(world.donor), pledge_form, submit=True)["id"]
    manager = api_as(world.national_manager)
    refused = manager.post(f"/api/v1/pledges/{pid}/accept", json={})
    assert refused.status_code == 422 and "operator_id" in refused.json["errors"]
    ok = manager.post(f"/api/v1/pledges/{pid}/accept",
                      json={"operator_id": world.other_operator.id})
    assert ok.json["operator_id"] == world.other_operator.id


def test_a_decline_needs_a_reason_and_cancels_the_placeholders(api_as, world, db, pledge_form):
    pid = _create(api_as(world.donor), pledge_form, submit=True)["id"]
    manager = api_as(world.manager)
    response = manager.post(f"/api/v1/pledges/{pid}/decline", json={})
    assert response.status_code == 422
    assert response.json["type"] == "urn:collecte:problem:guard-failed"
    response = manager.post(f"/api/v1/pledges/{pid}/decline",
                            json={"reason": "Matériel trop ancien"})
    assert response.json["status"] == "declined"
    stages = {d.stage for d in db.session.scalars(select(Device).where(Device.pledge_id == pid))}
    assert stages == {"cancelled"}


def test_cancelling_moves_placeholders_through_the_stage_writer(api_as, world, db, pledge_form):
    donor = api_as(world.donor)
    pid = _create(donor, pledge_form, submit=True)["id"]
    assert donor.post(f"/api/v1/pledges/{pid}/cancel", json={}).json["status"] == "cancelled"
    devices = donor.get(f"/api/v1/pledges/{pid}/devices").json
    assert {(d["stage"], d["outcome"], d["reason_code"]) for d in devices} == {
        ("cancelled", "not_received", "pledge-cancelled")}
    moves = db.session.scalars(select(StageEvent).where(StageEvent.to_stage == "cancelled")).all()
    assert len(moves) == 3 and all(m.from_stage == "pledged" for m in moves)


def test_a_donor_sees_only_its_own_pledges(api_as, world, pledge_form):
    pid = _create(api_as(world.donor), pledge_form)["id"]
    other = api_as(world.other_donor)
    assert other.get(f"/api/v1/pledges/{pid}").status_code == 404
    assert other.get("/api/v1/pledges").json["total"] == 0
    assert other.post(f"/api/v1/pledges/{pid}/cancel", json={}).status_code == 404
    assert api_as(world.other_manager).get(f"/api/v1/pledges/{pid}").status_code == 404


def test_bad_pledges_are_refused_with_clear_messages(api_as, world, pledge_form):
    donor = api_as(world.donor)
    empty = _create(donor, pledge_form, items={})
    response = donor.post(f"/api/v1/pledges/{empty['id']}/submit", json={})
    assert response.status_code == 422 and "au moins un appareil" in response.json["errors"][
        "items"][0]
    past = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    response = donor.post("/api/v1/pledges", json={**pledge_form, "window_start": past})
    assert response.status_code == 422 and "passée" in response.json["errors"]["window_start"][0]
    response = donor.post("/api/v1/pledges", json={**pledge_form, "status": "accepted"})
    assert response.status_code == 422 and "status" in response.json["errors"]


def test_a_municipality_cannot_submit_without_its_council_decision(api_as, world, pledge_form):
    donor = api_as(world.other_donor)  # Commune B
    response = donor.post("/api/v1/pledges", json={**pledge_form, "submit": True})
    assert response.status_code == 422
    assert "council_decision_ref" in response.json["errors"]
    ok = donor.post("/api/v1/pledges", json={**pledge_form, "submit": True,
                                              "council_decision_ref": "DCM n° 2026-041"})
    assert ok.status_code == 201 and ok.json["status"] == "submitted"


def test_an_unapproved_organisation_cannot_pledge(api_as, world, db, pledge_form):
    world.donor_org.is_approved = False
    db.session.commit()
    response = api_as(world.donor).post("/api/v1/pledges", json=pledge_form)
    assert response.status_code == 403
    assert "validation" in response.json["detail"]

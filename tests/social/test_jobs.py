"""Beat jobs: expired reservations are released; old beneficiaries are anonymised."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from collecte.domain.models import (
    Allocation,
    AllocationRequest,
    Beneficiary,
    Device,
    OutboxMail,
    utcnow,
)
from collecte.services import allocation, retention


def test_a_reservation_not_collected_in_time_is_released_with_a_notice(world, make, db, app):
    first = make.approved_request(world.partner, requested_by_id=world.social.id,
                                  approved_at=utcnow() - dt.timedelta(days=30))
    later = make.approved_request(world.partner, approved_at=utcnow() - dt.timedelta(days=1))
    device = make.device("ready", operator=world.operator)
    allocation.reserve(world.manager, first.id, device.code)
    original = db.session.get(AllocationRequest, first.id).approved_at

    assert allocation.release_expired(utcnow() + dt.timedelta(days=13)) == 0
    assert allocation.release_expired(utcnow() + dt.timedelta(days=15)) == 1
    assert allocation.release_expired(utcnow() + dt.timedelta(days=16)) == 0  # idempotent

    db.session.expire_all()
    request = db.session.get(AllocationRequest, first.id)
    assert request.status == "approved"
    assert request.approved_at == original
    assert allocation.queue_position(request) == 1
    assert allocation.queue_position(db.session.get(AllocationRequest, later.id)) == 2
    assert db.session.get(Device, device.id).stage == "ready"
    assert db.session.scalar(select(Allocation.is_active)) is False
    notices = db.session.scalars(select(OutboxMail.subject)).all()
    assert "Réservation libérée" in notices


def test_a_beneficiary_is_anonymised_after_the_retention_period_and_counts_remain(
        world, make, db, app):
    old = make.beneficiary(world.partner, reference="M. Z",
                           accessibility_needs=["large_screen"])
    old.last_activity_at = utcnow() - dt.timedelta(days=25 * 31)
    recent = make.beneficiary(world.partner, reference="Mme Y")
    recent.last_activity_at = utcnow()
    db.session.commit()
    make.approved_request(world.partner, beneficiary=old, notes="vit chez sa soeur",
                          status="handed_over")
    counts_before = db.session.execute(select(
        Beneficiary.department_code, AllocationRequest.device_kind, func.count())
        .join(AllocationRequest).group_by(Beneficiary.department_code,
                                          AllocationRequest.device_kind)).all()

    assert retention.run() == 1
    assert retention.run() == 0
    db.session.expire_all()
    gone = db.session.get(Beneficiary, old.id)
    assert gone.reference == f"anonymise-{old.id}"
    assert gone.commune_code is None and gone.accessibility_needs == []
    assert gone.department_code == "91"
    assert db.session.scalar(select(AllocationRequest.notes)
                             .where(AllocationRequest.beneficiary_id == old.id)) is None
    assert db.session.get(Beneficiary, recent.id).reference == "Mme Y"
    counts_after = db.session.execute(select(
        Beneficiary.department_code, AllocationRequest.device_kind, func.count())
        .join(AllocationRequest).group_by(Beneficiary.department_code,
                                          AllocationRequest.device_kind)).all()
    assert counts_after == counts_before


def test_the_retention_period_is_configurable(world, make, db, app):
    b = make.beneficiary(world.partner)
    b.last_activity_at = utcnow() - dt.timedelta(days=100)
    db.session.commit()
    app.config["RETENTION_MONTHS"] = 6
    assert retention.due() == []
    app.config["RETENTION_MONTHS"] = 3
    assert retention.due() == [b.id]


def test_both_jobs_are_scheduled_and_run_as_tasks(world, make, db, app):
    from workers.schedule import BEAT_SCHEDULE
    from workers.tasks.reservations import release_expired_reservations
    from workers.tasks.retention import anonymise_beneficiaries

    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {"collecte.release_expired_reservations", "collecte.anonymise_beneficiaries"} <= tasks
    assert release_expired_reservations.run() == 0
    assert anonymise_beneficiaries.run() == 0

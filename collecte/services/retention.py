"""Retention: anonymise beneficiaries a configurable time after their last activity.

What stays (so that reports still add up): the beneficiary row with its département, household
category and eligibility criterion, and the requests' kind, purpose, urgency, status and dates.
What goes: the reference, the commune, accessibility needs, the social worker's free text
(request notes, contest note). The status log is append-only: it never holds that free text.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select, update

from ..domain.models import AllocationRequest, Beneficiary, StatusEvent, utcnow
from ..extensions import db

OPEN_STATUSES = ("submitted", "approved", "rejected")


def months_ago(now: dt.datetime, months: int) -> dt.datetime:
    """`now` minus whole months (day clamped to 28 so that every month has it)."""
    total = now.year * 12 + (now.month - 1) - months
    return now.replace(year=total // 12, month=total % 12 + 1, day=min(now.day, 28))


def due(now: dt.datetime | None = None, months: int | None = None) -> list[int]:
    """Beneficiaries whose last activity is older than the retention period, no reservation
    pending."""
    now = now or utcnow()
    months = months if months is not None else int(current_app.config.get("RETENTION_MONTHS",
                                                                          24))
    cutoff = months_ago(now, months)
    reserved = select(AllocationRequest.beneficiary_id).where(
        AllocationRequest.status == "reserved")
    return list(db.session.scalars(select(Beneficiary.id).where(
        Beneficiary.anonymised_at.is_(None),
        func.coalesce(Beneficiary.last_activity_at, Beneficiary.created_at) < cutoff,
        Beneficiary.id.not_in(reserved)).order_by(Beneficiary.id)))


def anonymise(beneficiary_id: int, now: dt.datetime | None = None) -> bool:
    """One beneficiary, one transaction; running it twice changes nothing."""
    now = now or utcnow()
    beneficiary = db.session.get(Beneficiary, beneficiary_id)
    if beneficiary is None or beneficiary.anonymised_at is not None:
        db.session.rollback()
        return False
    beneficiary.reference = f"anonymise-{beneficiary.id}"
    beneficiary.commune_code = None
    beneficiary.accessibility_needs = []
    beneficiary.eligibility_other = None
    beneficiary.anonymised_at = now
    open_ids = list(db.session.scalars(select(AllocationRequest.id).where(
        AllocationRequest.beneficiary_id == beneficiary.id,
        AllocationRequest.status.in_(OPEN_STATUSES))))
    for request_id in open_ids:
        request = db.session.get(AllocationRequest, request_id)
        db.session.add(StatusEvent(entity_type="request", entity_id=request.id,
                                   from_status=request.status, to_status="expired",
                                   note="Délai de conservation dépassé"))
    db.session.execute(
        update(AllocationRequest).where(AllocationRequest.id.in_(open_ids))
        .values(status="expired", version=AllocationRequest.version + 1)
        .execution_options(synchronize_session=False))
    db.session.execute(
        update(AllocationRequest).where(AllocationRequest.beneficiary_id == beneficiary.id)
        .values(notes=None, contest_note=None)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return True


def run(now: dt.datetime | None = None) -> int:
    """The beat job's work: anonymise every beneficiary that is due."""
    ids = due(now)
    db.session.rollback()
    return sum(1 for beneficiary_id in ids if anonymise(beneficiary_id, now))

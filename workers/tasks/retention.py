"""Anonymising beneficiaries after the retention period (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from collecte.services import retention


@shared_task(name="collecte.anonymise_beneficiaries", ignore_result=True, acks_late=True)
def anonymise_beneficiaries() -> int:
    """Every beneficiary inactive for RETENTION_MONTHS (default 24) loses what identifies them."""
    return retention.run()

"""Releasing reservations not handed over in time (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from collecte.services import allocation


@shared_task(name="collecte.release_expired_reservations", ignore_result=True, acks_late=True)
def release_expired_reservations() -> int:
    """Device back to ready, request back to approved at its place, notice to the social worker."""
    return allocation.release_expired()

"""Delivering the outbox."""

from __future__ import annotations

from celery import shared_task

from collecte.services import mail


@shared_task(name="collecte.send_outbox", ignore_result=True, acks_late=True)
def send_outbox() -> int:
    return mail.send_pending()

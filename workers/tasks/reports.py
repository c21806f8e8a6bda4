"""The managers' weekly summary mail."""

from __future__ import annotations

from celery import shared_task

from collecte.services import dashboard


@shared_task(name="collecte.weekly_summaries", ignore_result=True, acks_late=True)
def weekly_summaries() -> int:
    return dashboard.weekly_summaries()

"""Folding the dashboard counters' delta rows into their totals."""

from __future__ import annotations

from celery import shared_task

from collecte.extensions import db
from collecte.services import counters


@shared_task(name="collecte.fold_counters", ignore_result=True, acks_late=True)
def fold_counters() -> int:
    return counters.fold(db.session)

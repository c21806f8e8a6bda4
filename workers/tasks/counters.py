"""Folding the dashboard counters' delta rows into their totals, and the stage log into the
detail roll-ups (lead times, yield)."""

from __future__ import annotations

from celery import shared_task

from collecte.extensions import db
from collecte.services import counters, rollups


@shared_task(name="collecte.fold_counters", ignore_result=True, acks_late=True)
def fold_counters() -> int:
    folded = counters.fold(db.session)
    rollups.fold(db.session)
    return folded

"""Every periodic job, in one place (run by `celery -A workers.app beat`)."""

from __future__ import annotations

BEAT_SCHEDULE: dict = {
    "sweep-unsent-jobs": {"task": "collecte.sweep_jobs", "schedule": 300.0},
    "send-outbox": {"task": "collecte.send_outbox", "schedule": 60.0},
}

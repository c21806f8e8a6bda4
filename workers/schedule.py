"""Every periodic job, in one place (run by `celery -A workers.app beat`)."""

from __future__ import annotations

from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    # Re-sends jobs never started and jobs whose worker died; period from JOB_SWEEP_SECONDS.
    "sweep-unsent-jobs": {"task": "collecte.sweep_jobs", "schedule": 60.0},
    "send-outbox": {"task": "collecte.send_outbox", "schedule": 60.0},
    "purge-inventory-uploads": {"task": "collecte.purge_uploads", "schedule": 86400.0},
    "purge-job-results": {"task": "collecte.purge_job_results", "schedule": 86400.0},
    "release-expired-reservations": {"task": "collecte.release_expired_reservations",
                                     "schedule": 3600.0},
    "anonymise-beneficiaries": {"task": "collecte.anonymise_beneficiaries",
                                "schedule": 86400.0},
    # Managers' dashboard: fold the counters' delta rows; the weekly summary on Monday 7:00.
    "fold-counters": {"task": "collecte.fold_counters", "schedule": 60.0},
    "weekly-summaries": {"task": "collecte.weekly_summaries",
                         "schedule": crontab(minute=0, hour=7, day_of_week=1)},
}

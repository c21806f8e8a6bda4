"""Tasks that keep the job system itself healthy."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from collecte import jobs as job_sender
from collecte.services import jobs


@shared_task(name="collecte.ping", ignore_result=False)
def ping() -> str:
    """Answered by a live worker: /healthz sends it to prove broker, worker and results work."""
    return "pong"


@shared_task(name="collecte.sweep_jobs", ignore_result=True)
def sweep_jobs() -> int:
    """Re-send jobs committed but never started (the broker was down at commit time)."""
    stale = jobs.stale_pending(dt.timedelta(minutes=5))
    for job in stale:
        job_sender.send(job.task_name, job.id)
    return len(stale)

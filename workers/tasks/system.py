"""Tasks that keep the job system itself healthy."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from collecte import jobs as job_sender
from collecte.services import jobs

from .base import job_task


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


@job_task("collecte.selftest")
def selftest(job) -> tuple[None, dict]:
    """A job that only counts: proves the job path end to end (tests, /healthz debugging)."""
    total = job.total or 1
    for step in range(1, total + 1):
        jobs.progress(job.id, step)
    return None, {"steps": total}

"""Tasks that keep the job system itself healthy."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from flask import current_app

from collecte import jobs as job_sender
from collecte.domain.models import utcnow
from collecte.extensions import db
from collecte.services import jobs, liveness

from .base import job_task

log = logging.getLogger(__name__)


@shared_task(name="collecte.ping", ignore_result=False)
def ping() -> str:
    """Answered by a live worker: /healthz sends it to prove broker, worker and results work."""
    return "pong"


@shared_task(name="collecte.sweep_jobs", ignore_result=True)
def sweep_jobs() -> int:
    """Re-send jobs committed but never started (the broker was down at commit time) and jobs
    whose worker died mid-run (lease expired); fail those out of attempts."""
    liveness.beat(db.engine, "sweeper", "sweeper", utcnow())
    sends = jobs.sweep(dt.timedelta(seconds=current_app.config["JOB_PENDING_AFTER_SECONDS"]))
    for task_name, job_id in sends:
        try:
            job_sender.send(task_name, job_id)
        except Exception:  # the broker is down: the next sweep tries again
            log.warning("could not re-send job %s", job_id, exc_info=True)
    return len(sends)


@job_task("collecte.selftest")
def selftest(job) -> tuple[None, dict]:
    """A job that only counts: proves the job path end to end (tests, /healthz debugging)."""
    total = job.total or 1
    for step in range(1, total):  # the last step is recorded by finish(), with the result
        jobs.progress(job.id, step)
    return None, {"steps": total}


@shared_task(name="collecte.purge_job_results", ignore_result=True)
def purge_job_results() -> int:
    """Label PDFs and exports are kept JOB_RESULT_DAYS, then removed (they can be made again)."""
    return jobs.purge_results()

"""The shape every job task shares: count the attempt, run, record the outcome."""

from __future__ import annotations

import functools
import logging

from celery import shared_task

from collecte.services import jobs

log = logging.getLogger(__name__)


def job_task(name: str):
    """Declare a task that runs the Job row `job_id`: `fn(job)` returns (result_path, result).

    Safe to re-deliver: a job already done or failed for good is skipped; an exception puts it
    back to pending (the sweeper or Celery retries it) until the attempts run out.
    """

    def decorator(fn):
        @shared_task(name=name, bind=True, acks_late=True, ignore_result=False)
        @functools.wraps(fn)
        def task(self, job_id: str):
            job = jobs.start(job_id)
            if job is None:
                return {"skipped": True}
            try:
                result_path, result = fn(job)
            except Exception as exc:
                log.exception("job %s failed", job_id)
                jobs.record_failure(job_id, f"{type(exc).__name__}: {exc}")
                raise
            jobs.finish(job_id, result_path=result_path, result=result)
            return {"job_id": job_id, "result_path": result_path}

        return task

    return decorator

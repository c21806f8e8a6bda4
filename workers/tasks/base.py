"""The shape every job task shares: count the attempt, hold a lease, run, record the outcome."""

from __future__ import annotations

import functools
import logging
import threading

from celery import shared_task
from flask import current_app

from collecte.errors import DomainError
from collecte.extensions import db
from collecte.services import jobs

log = logging.getLogger(__name__)


def job_task(name: str):
    """Declare a task that runs the Job row `job_id`: `fn(job)` returns (result_path, result).

    Safe to re-deliver: a job already done, failed for good, or running elsewhere under a live
    lease is skipped. While it runs, a thread renews its lease; if the worker dies, the lease
    expires and the sweeper re-sends it. An exception puts it back to pending and retries it
    after a countdown, until the attempts run out and it is marked failed.
    """

    def decorator(fn):
        # The Job row is what everyone reads (state, progress, result): Celery's own result
        # would only be one more write to the broker per job, read by nobody.
        @shared_task(name=name, bind=True, acks_late=True, ignore_result=True)
        @functools.wraps(fn)
        def task(self, job_id: str):
            job = jobs.start(job_id)
            if job is None:
                return {"skipped": True}
            try:
                with _lease(job_id):
                    result_path, result = fn(job)
            except Exception as exc:
                log.exception("job %s failed (attempt %s)", job_id, job.attempts)
                # A domain refusal (pledge closed, device gone) will not change on retry.
                final = isinstance(exc, DomainError)
                if jobs.record_failure(job_id, f"{type(exc).__name__}: {exc}", final=final):
                    countdown = current_app.config["JOB_RETRY_SECONDS"] * job.attempts
                    raise self.retry(exc=exc, countdown=countdown, max_retries=None) from exc
                raise
            jobs.finish(job_id, result_path=result_path, result=result)
            return {"job_id": job_id, "result_path": result_path}

        return task

    return decorator


class _lease:  # noqa: N801 - used as a context manager
    """Renew the job's heartbeat every JOB_HEARTBEAT_SECONDS on a thread of its own, so a long
    step (a big COPY, a 10,000-label PDF) keeps its lease without calling progress()."""

    def __init__(self, job_id: str):
        self.job_id = job_id
        self.stop = threading.Event()
        self.engine = db.engine
        self.interval = current_app.config["JOB_HEARTBEAT_SECONDS"]

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                jobs.heartbeat(self.engine, self.job_id)
            except Exception:  # the database is away for a moment: the next beat may pass
                log.warning("could not renew the lease of job %s", self.job_id, exc_info=True)

    def __enter__(self):
        self.thread = threading.Thread(target=self._run, name=f"lease-{self.job_id}",
                                       daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join(timeout=self.interval + 5)
        return False

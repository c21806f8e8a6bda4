"""Background jobs: a Job row written in the caller's transaction, the task sent after commit.

`collecte` never imports `workers`: tasks are sent by name. If the transaction rolls back, the
task is never sent; if sending fails after commit, the Job row stays `pending` and the sweeper
re-sends it.
"""

from __future__ import annotations

import logging
import uuid

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .domain.models import Job

log = logging.getLogger(__name__)
_PENDING = "collecte.pending_jobs"


def enqueue(session: Session, task_name: str, *, kind: str, params: dict | None = None,
            user=None, total: int = 0) -> Job:
    """Add a Job to `session`; its task is published once the session commits."""
    job = Job(id=str(uuid.uuid4()), task_name=task_name, kind=kind, params=params or {},
              total=total, created_by_id=getattr(user, "id", None),
              organisation_id=getattr(user, "organisation_id", None))
    session.add(job)
    session.info.setdefault(_PENDING, []).append((task_name, job.id))
    return job


def send(task_name: str, job_id: str) -> None:
    """Publish one task now (also used by the sweeper). The job id is the task id."""
    app = current_app._get_current_object()
    if app.config["JOBS_MODE"] == "record":
        app.extensions.setdefault("collecte.sent_jobs", []).append((task_name, job_id))
        return
    app.extensions["celery"].send_task(task_name, args=[job_id], task_id=job_id,
                                       retry=False)


_installed: set[int] = set()


def install(session_factory) -> None:
    """Hook the after-commit publication onto the app's session (once per session factory)."""
    if id(session_factory) in _installed:
        return
    _installed.add(id(session_factory))

    @event.listens_for(session_factory, "after_commit")
    def _publish(session):
        pending = session.info.pop(_PENDING, [])
        for task_name, job_id in pending:
            try:
                send(task_name, job_id)
            except Exception:  # the broker is down: the sweeper will send it later
                log.exception("could not publish job %s; left pending for the sweeper", job_id)

    @event.listens_for(session_factory, "after_rollback")
    def _forget(session):
        session.info.pop(_PENDING, None)

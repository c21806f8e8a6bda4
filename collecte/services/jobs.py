"""Background job records: reading them (scoped), and the life cycle tasks drive them through."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from ..domain.models import Job, JobState, User, utcnow
from ..errors import NotFound
from ..extensions import db
from .access import sees_everything

MAX_ATTEMPTS = 3


def get_job(user: User, job_id: str) -> Job:
    """A job its creator's organisation may follow; 404 for anyone else."""
    try:
        uuid.UUID(job_id)  # ids are UUIDs: anything else (even a NUL byte) is simply unknown
    except (ValueError, TypeError) as exc:
        raise NotFound("Tâche inconnue.", code="unknown-job") from exc
    job = db.session.get(Job, job_id)
    if job is None or not (sees_everything(user) or job.created_by_id == user.id
                           or (job.organisation_id == user.organisation_id
                               and user.role in ("manager", "technician", "donor",
                                                 "social_worker"))):
        raise NotFound("Tâche inconnue.", code="unknown-job")
    return job


def result_dir(job_id: str) -> Path:
    path = Path(current_app.config["DATA_DIR"]) / "jobs" / job_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(job_id: str) -> Job | None:
    """Mark a run as started and count the attempt. None when there is nothing to do: the job is
    unknown, already done, or has failed for good (so a re-delivered task is harmless)."""
    job = db.session.get(Job, job_id, with_for_update=True)
    if job is None or job.state in (JobState.DONE, JobState.FAILED):
        db.session.rollback()
        return None
    if job.attempts >= MAX_ATTEMPTS:
        job.state = JobState.FAILED.value
        job.error = (job.error or "") + f"\nGave up after {job.attempts} attempts."
        job.finished_at = utcnow()
        db.session.commit()
        return None
    job.attempts += 1
    job.state = JobState.RUNNING.value
    job.started_at = utcnow()
    db.session.commit()
    return job


def progress(job_id: str, done: int, total: int | None = None) -> None:
    values: dict = {"done": done}
    if total is not None:
        values["total"] = total
    db.session.execute(update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def finish(job_id: str, *, result_path: str | None = None, result: dict | None = None) -> None:
    job = db.session.get(Job, job_id)
    job.state = JobState.DONE.value
    job.done = max(job.done, job.total)
    job.result_path = result_path
    job.result = result
    job.finished_at = utcnow()
    db.session.commit()


def record_failure(job_id: str, message: str, *, final: bool = False) -> None:
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.error = message[-2000:]
    job.state = (JobState.FAILED if final or job.attempts >= MAX_ATTEMPTS
                 else JobState.PENDING).value
    if job.state == JobState.FAILED:
        job.finished_at = utcnow()
    db.session.commit()


def stale_pending(older_than: dt.timedelta) -> list[Job]:
    """Jobs committed but apparently never run: what the sweeper re-sends."""
    cutoff = utcnow() - older_than
    return list(db.session.scalars(select(Job).where(Job.state == JobState.PENDING,
                                                     Job.created_at < cutoff)))

"""Background job records: reading them (scoped), and the life cycle tasks drive them through."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update

from ..domain.models import Job, JobState, User, utcnow
from ..errors import Gone, NotFound
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


def result_file(user: User, job_id: str) -> Path:
    """The file a finished job made, for `user`: 404 if not theirs or it made none; 410 once
    it has been purged (or lost), saying how to get it again."""
    job = get_job(user, job_id)
    if job.result_path and Path(job.result_path).is_file():
        return Path(job.result_path)
    purged = bool((job.result or {}).get("purged_at"))
    if purged or job.result_path:  # purged by beat, or the file is gone from the disk
        raise Gone("Ce fichier a été supprimé après %(days)s jours : relancez l'impression ou "
                   "l'export pour l'obtenir de nouveau.",
                   params={"days": current_app.config["JOB_RESULT_DAYS"]}, code="result-purged")
    raise NotFound("Cette tâche n'a pas produit de fichier.", code="no-result")


def purge_results(now: dt.datetime | None = None) -> int:
    """Remove the files of jobs finished more than JOB_RESULT_DAYS ago (label PDFs, exports:
    they can be made again; documents such as certificates are not job files and are kept).
    The job row stays, noting when its file went. Safe to re-run: a purged job is skipped."""
    cutoff = (now or utcnow()) - dt.timedelta(days=current_app.config["JOB_RESULT_DAYS"])
    old = list(db.session.scalars(select(Job).where(
        Job.result_path.is_not(None), Job.finished_at < cutoff)))
    for job in old:
        shutil.rmtree(Path(current_app.config["DATA_DIR"]) / "jobs" / job.id, ignore_errors=True)
        job.result = {**(job.result or {}), "purged_at": utcnow().isoformat()}
        job.result_path = None
    db.session.commit()
    return len(old)


def lease() -> dt.timedelta:
    """How long a running attempt may go without a heartbeat before it is taken for dead."""
    return dt.timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])


def start(job_id: str) -> Job | None:
    """Mark a run as started and count the attempt. None when there is nothing to do: the job is
    unknown, already done, has failed for good, or another attempt holds a live lease (so a
    re-delivered or re-sent task is harmless and never runs twice at the same time)."""
    job = db.session.get(Job, job_id, with_for_update=True)
    now = utcnow()
    if job is None or job.state in (JobState.DONE, JobState.FAILED) or (
            job.state == JobState.RUNNING and job.heartbeat_at is not None
            and _aware(job.heartbeat_at) > now - lease() and not _owner_dead(job.lease_owner)):
        db.session.rollback()
        return None
    if job.attempts >= MAX_ATTEMPTS:
        _give_up(job, now)
        db.session.commit()
        return None
    job.attempts += 1
    job.state = JobState.RUNNING.value
    job.started_at = job.heartbeat_at = now
    job.lease_owner = f"{socket.gethostname()}:{os.getpid()}"
    db.session.commit()
    return job


def _owner_dead(owner: str | None) -> bool:
    """True only when the attempt's process was on this host and is gone (a pool process
    killed, its message re-queued by the worker): elsewhere, only the lease can tell."""
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes (stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _give_up(job: Job, now: dt.datetime) -> None:
    job.state = JobState.FAILED.value
    job.error = ((job.error or "") + f"\nGave up after {job.attempts} attempts.").strip()
    job.finished_at = now


def heartbeat(engine, job_id: str) -> None:
    """Renew a running attempt's lease, on its own connection (called from the worker's
    heartbeat thread while the task's own transaction may be open)."""
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING)
                     .values(heartbeat_at=utcnow()))


def progress(job_id: str, done: int, total: int | None = None) -> None:
    values: dict = {"done": done, "heartbeat_at": utcnow()}
    if total is not None:
        values["total"] = total
    db.session.execute(update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def finish(job_id: str, *, result_path: str | None = None, result: dict | None = None,
           commit: bool = True) -> None:
    """Mark the job done. With commit=False the caller commits it with its own writes, so a
    crash can never leave the work written and the job still to do."""
    job = db.session.get(Job, job_id)
    job.state = JobState.DONE.value
    job.done = max(job.done, job.total)
    job.result_path = result_path
    job.result = result
    job.finished_at = utcnow()
    if commit:
        db.session.commit()


def record_failure(job_id: str, message: str, *, final: bool = False) -> bool:
    """Note a failed attempt. True when the job may be tried again (it is back to pending);
    False when it has failed for good (attempts used up, or `final`)."""
    db.session.rollback()
    job = db.session.get(Job, job_id, with_for_update=True)
    if job is None or job.state == JobState.DONE:  # an overlapping run already finished it
        db.session.rollback()
        return False
    now = utcnow()
    job.error = message[-2000:]
    if final or job.attempts >= MAX_ATTEMPTS:
        _give_up(job, now)
    else:
        job.state = JobState.PENDING.value
        job.sent_at = now  # re-sent by the task's own retry: not the sweeper's until it is late
    job.heartbeat_at = job.lease_owner = None
    db.session.commit()
    return job.state == JobState.PENDING


def stale_pending(older_than: dt.timedelta) -> list[Job]:
    """Jobs committed (or last sent) a while ago but not started: the broker was down at commit
    time, or the message was lost."""
    cutoff = utcnow() - older_than
    return list(db.session.scalars(select(Job).where(
        Job.state == JobState.PENDING,
        func.coalesce(Job.sent_at, Job.created_at) < cutoff).order_by(Job.created_at)))


def sweep(pending_after: dt.timedelta) -> list[tuple[str, str]]:
    """What the sweeper must re-send, as (task name, job id); commits.

    - pending jobs not started `pending_after` after they were sent;
    - running jobs whose lease expired: their worker died (kill -9, out of memory, lost
      machine) and Redis would only hand the unacknowledged message back after the visibility
      timeout. They go back to pending, or to failed once their attempts are used up (a job that
      kills its worker every time is a poison job: it must stop).
    """
    now = utcnow()
    expired = list(db.session.scalars(select(Job).where(
        Job.state == JobState.RUNNING,
        func.coalesce(Job.heartbeat_at, Job.started_at) < now - lease()).with_for_update()))
    for job in expired:
        if job.attempts >= MAX_ATTEMPTS:
            _give_up(job, now)
        else:
            job.state = JobState.PENDING.value
            job.error = ((job.error or "") + f"\nAttempt {job.attempts} lost: its "
                         "worker stopped renewing the lease.").strip()
            job.heartbeat_at = None
    to_send = [job for job in expired if job.state == JobState.PENDING]
    to_send += [job for job in stale_pending(pending_after) if job not in to_send]
    for job in to_send:
        job.sent_at = now
    sends = [(job.task_name, job.id) for job in to_send]
    db.session.commit()
    return sends

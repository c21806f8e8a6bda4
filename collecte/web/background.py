"""What pages say about background work: a job's waiting state, the managers' banner."""

from __future__ import annotations

import logging

from flask import request

from ..domain.models import Job, Role
from ..errors import Message
from ..extensions import db
from ..services import job_status, liveness

log = logging.getLogger(__name__)


def seen() -> liveness.Liveness:
    """The workers' heartbeats, read once per request (kept in the request's environ)."""
    if "collecte.liveness" not in request.environ:
        request.environ["collecte.liveness"] = liveness.read()
    return request.environ["collecte.liveness"]


def status(job: Job) -> job_status.JobStatus:
    return job_status.status_of(job, seen())


def workers_banner(user) -> Message | None:
    """Managers and admins: no worker has answered for more than a minute. Never breaks a
    page (the 503 page renders this template too, with the database away)."""
    if not getattr(user, "is_authenticated", False) or user.role not in (Role.MANAGER,
                                                                          Role.ADMIN):
        return None
    try:
        now = seen()
    except Exception:
        db.session.rollback()
        log.warning("could not read the workers' heartbeats", exc_info=True)
        return None
    if not now.worker_silent_long:
        return None
    if now.worker_seen_at is None:
        return Message("Aucun worker n'a encore répondu : impressions, imports, exports et "
                       "courriels attendent. Démarrez le service des tâches (le conteneur "
                       "« worker », ou « make run »).")
    return Message("Aucun worker n'a répondu depuis %(time)s : impressions, imports, exports "
                   "et courriels attendent. Vérifiez le service des tâches (le conteneur "
                   "« worker », ou « make run »).", time=job_status.clock(now.worker_seen_at))

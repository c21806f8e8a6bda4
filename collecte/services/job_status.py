"""What a job's page and the API say of it while it waits: never silence, never "printing".

A job row has four stored states (pending, running, done, failed). Two more things are worth
telling the person who waits, and both come from the heartbeats:
- a running attempt whose lease has expired is **stalled**: its worker died; the sweeper sends it
  again within seconds, or the job waits for a worker to come back;
- a pending job while no worker answers waits for one: the person is told so, and whom to ask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app

from ..domain.models import Job, JobState
from ..errors import Message
from .liveness import Liveness

STALLED = "stalled"


@dataclass(frozen=True)
class JobStatus:
    state: str  # pending, running, stalled, done, failed
    waiting_reason: str | None = None  # "stalled", "no-worker"
    waiting_since: dt.datetime | None = None
    message: Message | None = None


def status_of(job: Job, seen: Liveness) -> JobStatus:
    if job.state == JobState.RUNNING:
        beat = _aware(job.heartbeat_at or job.started_at)
        if beat is not None and seen.now - beat > seen.silent_after:
            return JobStatus(STALLED, "stalled", beat, Message(
                "En attente d'un worker depuis %(time)s : la tâche reprendra d'elle-même dès "
                "qu'un worker répondra.", time=clock(beat)))
        return JobStatus(job.state)
    if job.state == JobState.PENDING and not seen.worker_alive:
        since = seen.worker_seen_at or _aware(job.created_at)
        return JobStatus(job.state, "no-worker", since, _no_worker(since))
    return JobStatus(job.state)


def _no_worker(since: dt.datetime) -> Message:
    """Whom to ask: the contact the site configured, else its administrator."""
    contact = current_app.config.get("SUPPORT_CONTACT")
    if contact:
        return Message("En attente d'un worker depuis %(time)s : aucun ne répond. La tâche est "
                       "enregistrée et partira dès qu'un worker sera relancé ; prévenez "
                       "%(contact)s.", time=clock(since), contact=contact)
    return Message("En attente d'un worker depuis %(time)s : aucun ne répond. La tâche est "
                   "enregistrée et partira dès qu'un worker sera relancé ; prévenez "
                   "l'administrateur de Collecte.", time=clock(since))


def clock(moment: dt.datetime) -> str:
    """HH:MM in the site's time zone; with the day when it was not today."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Paris"))
    local = moment.astimezone(zone)
    if local.date() != dt.datetime.now(zone).date():
        return local.strftime("%d/%m %H:%M")
    return local.strftime("%H:%M")


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=dt.UTC)

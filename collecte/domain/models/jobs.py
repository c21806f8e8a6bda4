"""Background jobs as rows: progress for progress bars, attempts, and the sweeper's input."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created_at_column, in_values


class JobState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(in_values("state", JobState), name="state"),
        Index("ix_jobs_state_created", "state", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid4, also the task id
    task_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default=JobState.PENDING.value)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    result_path: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[dt.datetime] = created_at_column()
    sent_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    # The running attempt's lease: renewed while it runs; once it is older than the lease, the
    # worker is taken for dead (kill -9, lost machine) and the sweeper re-sends the job.
    heartbeat_at: Mapped[dt.datetime | None]
    # host:pid of the process running the attempt: on the same host, a process found dead
    # frees the job at once (a re-queued message needs not wait for the lease to expire).
    lease_owner: Mapped[str | None] = mapped_column(String(200))


class OutboxMail(Base):
    """A mail to send; written in the transaction that decides it, sent by a task."""

    __tablename__ = "outbox_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at_column()
    sent_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)


class ProcessHeartbeat(Base):
    """The last sign of life of each background process: a worker (every few seconds, from
    its main process, busy or not) and the sweeper (each sweep). /healthz, the job pages and
    the managers' banner read it from the database, without waiting on the broker."""

    __tablename__ = "process_heartbeats"
    __table_args__ = (CheckConstraint(in_values("kind", ("worker", "sweeper")), name="kind"),)

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # worker's node name
    kind: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[dt.datetime]
    seen_at: Mapped[dt.datetime]

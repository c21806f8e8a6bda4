"""Is the background machinery alive? Heartbeats of the workers and the sweeper, and the broker.

Workers write their heartbeat from their main process on a thread of its own (workers/
liveness.py), busy or not, so a long label batch never makes a worker look dead; a worker
stopped cleanly removes its row. The web side only reads the table: /healthz, the job pages and
the managers' banner never wait on a worker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import redis
from flask import current_app
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from ..domain.models import ProcessHeartbeat, utcnow
from ..extensions import db

# Managers and admins see a banner once no worker has answered for this long.
BANNER_AFTER = dt.timedelta(seconds=60)
# The broker's answer to a PING, from a web request: connect and read each bounded.
BROKER_TIMEOUT_S = 1.5


def beat(engine: Engine, name: str, kind: str, started_at: dt.datetime) -> None:
    """Record that process `name` is alive now (an upsert, on a connection of its own)."""
    now = utcnow()
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ProcessHeartbeat).values(
        name=name, kind=kind, started_at=started_at, seen_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[ProcessHeartbeat.name], set_={"seen_at": now})
    with engine.begin() as conn:
        conn.execute(statement)


def forget(engine: Engine, name: str) -> None:
    """A worker stopped cleanly: it is gone, not silent."""
    with engine.begin() as conn:
        conn.execute(delete(ProcessHeartbeat).where(ProcessHeartbeat.name == name))


@dataclass(frozen=True)
class Liveness:
    """What the web side knows of the workers: when one last answered, and whether that is
    recent enough (within a job lease: the same delay after which a job is taken for lost)."""

    worker_seen_at: dt.datetime | None
    sweeper_seen_at: dt.datetime | None
    now: dt.datetime
    silent_after: dt.timedelta

    @property
    def worker_alive(self) -> bool:
        return self.worker_seen_at is not None and self.now - self.worker_seen_at <= self.silent_after

    @property
    def worker_silent_long(self) -> bool:
        """No worker for over a minute (or none ever): the managers' banner."""
        return self.worker_seen_at is None or self.now - self.worker_seen_at > BANNER_AFTER


def read() -> Liveness:
    """One query: the newest heartbeat of each kind."""
    rows = dict(db.session.execute(
        select(ProcessHeartbeat.kind, func.max(ProcessHeartbeat.seen_at))
        .group_by(ProcessHeartbeat.kind)).all())
    return Liveness(worker_seen_at=_aware(rows.get("worker")),
                    sweeper_seen_at=_aware(rows.get("sweeper")), now=utcnow(),
                    silent_after=dt.timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"]))


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives back naive datetimes (stored in UTC)."""
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def broker_client(url: str, timeout: float = BROKER_TIMEOUT_S) -> redis.Redis:
    """A redis-py client for the broker URL, bounded: Celery's `redis+socket://` (the embedded
    Valkey's Unix socket) or a plain `redis://` URL."""
    # redis-py retries 3 times by default: one try only, the caller answers at once.
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout,
               "retry": Retry(NoBackoff(), 0)}
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://").split("?")[0],
                           **options)
    return redis.Redis.from_url(url, **options)


def broker_status() -> dict:
    """PING the broker; a frozen or unreachable one answers within BROKER_TIMEOUT_S."""
    url = current_app.config["BROKER_URL"]
    if not url.startswith(("redis://", "rediss://", "redis+socket://")):
        return {"ok": True, "checked": False}  # an in-memory broker (some unit tests)
    client = broker_client(url)
    try:
        client.ping()
        return {"ok": True}
    except (redis.RedisError, OSError) as exc:
        return {"ok": False, "error": type(exc).__name__}
    finally:
        client.close()

"""Flask extensions, created unbound here and bound to the app in create_app()."""

from __future__ import annotations

import time

from celery import Celery, Task
from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

from .api.problems import ProblemApi
from .domain.models import Base

# Models derive from the domain's own Base (no Flask there); Flask-SQLAlchemy only manages the
# engine and the request-scoped session.
# Objects stay loaded after commit: a use case commits, then the view renders what it returned
# without reading every row back (a scan's answer would otherwise cost two more queries).
db = SQLAlchemy(metadata=Base.metadata, session_options={"expire_on_commit": False})
migrate = Migrate()
api = ProblemApi()
csrf = CSRFProtect()
login = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def configure_sqlite(engine: Engine) -> None:
    """The app's SQLite engines: the two listeners below. Registered on each SQLite engine,
    not on the Engine class: a connection-event listener on the class makes every engine,
    PostgreSQL's included, dispatch its (empty) execute events on every statement (measured:
    a twentieth of a scan's instructions)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)


def _sqlite_pragmas(dbapi_connection, _record):
    """WAL so readers never wait for the writer; foreign keys on; wait rather than fail."""
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see below
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin_immediate(conn):
    """SQLite: take the write lock at BEGIN, so a read-then-write transaction waits for another
    writer instead of failing with 'database is locked' when it upgrades its lock."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


# A pooled PostgreSQL connection idle for longer than this is pinged before use.
PING_AFTER_IDLE_S = 2.0


@event.listens_for(Pool, "connect")
@event.listens_for(Pool, "checkin")
def _note_idle_since(_dbapi_connection, record):
    record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, record, _proxy):
    """Pre-ping, but only connections that sat idle: a PostgreSQL restart during a quiet spell
    costs a reconnect, not a 500 (the pool retries the checkout on DisconnectionError). A busy
    worker reuses its connection within milliseconds, and pinging it on every request cost a
    round trip per scan (pool_pre_ping); a restart under load fails the requests in flight
    and at most one more per worker, after which SQLAlchemy renews the whole pool."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_S:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except Exception as exc:  # any driver error means the connection is unusable
        raise DisconnectionError() from exc


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    # Idle connections are pinged before use: see _ping_if_idle.
    return {"pool_size": 5, "max_overflow": 5}




def celery_init_app(app: Flask) -> Celery:
    """Flask's documented pattern: every task runs inside an app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    from .services.jobs import MAX_ATTEMPTS

    config = app.config
    # Redis (production) and the embedded Valkey alike: Redis hands an unacknowledged message
    # to another worker once it has been out longer than the visibility timeout, even while
    # the first worker still runs it. So it must outlast the longest task AND the longest retry
    # countdown (an ETA message stays unacknowledged until it runs). Celery reads it from the
    # *transport* options. A worker killed mid-task gets its message back only after this
    # delay: the job lease and the sweeper (services/jobs.sweep) pick such a job up within
    # seconds instead, and the late copy then finds the job done and does nothing.
    visibility = config["BROKER_VISIBILITY_TIMEOUT"]
    broker_options = {"visibility_timeout": visibility, "socket_connect_timeout": 3}
    longest_retry = config["JOB_RETRY_SECONDS"] * MAX_ATTEMPTS
    if longest_retry >= visibility:
        raise RuntimeError(f"JOB_RETRY_SECONDS × {MAX_ATTEMPTS} must stay under the "
                           f"visibility timeout ({visibility} s)")

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=config["BROKER_URL"],
        result_backend=config["RESULT_BACKEND"],
        broker_transport_options=broker_options,
        # Results on Redis use the same timeout, for the same reason.
        result_backend_transport_options={"visibility_timeout": visibility},
        task_serializer="json",  # ids only: never pickled arguments
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=False,
        # Reliability. Every job task is idempotent (services/jobs.start skips a job done,
        # failed, or running under a live lease; results are renamed into place; imports
        # update rows already there), which is what makes the three settings below safe:
        # - acknowledge a message only after the task ran, so a worker that dies mid-task
        #   leaves it to be delivered again rather than lost;
        task_acks_late=True,
        # - when a pool process dies (kill -9, out of memory), re-queue its message at once
        #   instead of acknowledging it as failed (acks_late alone would ack it);
        task_reject_on_worker_lost=True,
        # - reserve one message at a time: a dead worker holds (and delays) at most that one,
        #   and a long label batch does not keep short jobs waiting behind it.
        worker_prefetch_multiplier=1,
        # A crashing task is not retried by Celery's own counter but by the job row's
        # `attempts` (MAX_ATTEMPTS, in the database, so it survives worker deaths too).
        broker_connection_retry_on_startup=True,
        # Publishing after commit must not hang a request when the broker is down: fail fast,
        # the job stays pending and the sweeper sends it later.
        broker_connection_timeout=3,
        timezone="Europe/Paris",
        enable_utc=True,
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app

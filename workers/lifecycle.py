"""What a worker does around its tasks: own connections per process, and its heartbeat."""

from __future__ import annotations

import logging
import socket
import threading

from celery.signals import worker_process_init, worker_ready, worker_shutdown
from flask import Flask

from collecte.domain.models import utcnow
from collecte.extensions import db
from collecte.services import liveness

log = logging.getLogger(__name__)


def connect(flask_app: Flask) -> None:
    """Wire the signals below to `flask_app` (once, from workers/app.py)."""

    @worker_process_init.connect(weak=False)
    def own_connections(**_):
        """A prefork child inherits its parent's pooled sockets: a PostgreSQL connection shared
        by parent and children gave tasks each other's rows. Each child starts with an empty
        pool of its own; close=False leaves the parent's connections alone, as SQLAlchemy's
        pooling docs say for multiprocessing."""
        with flask_app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)

    beats: dict[str, _Heartbeat] = {}

    @worker_ready.connect(weak=False)
    def start_heartbeat(sender=None, **_):
        name = getattr(sender, "hostname", None) or f"celery@{socket.gethostname()}"
        with flask_app.app_context():
            beats[name] = _Heartbeat(flask_app, name).start()

    @worker_shutdown.connect(weak=False)
    def stop_heartbeat(**_):
        for heartbeat in beats.values():
            heartbeat.stop()
        beats.clear()


class _Heartbeat:
    """Every JOB_HEARTBEAT_SECONDS, on a thread of the worker's main process: busy or not, a
    live worker says so. Stopped cleanly, it removes its row."""

    def __init__(self, flask_app: Flask, name: str):
        self.app, self.name = flask_app, name
        self.interval = flask_app.config["JOB_HEARTBEAT_SECONDS"]
        self.started_at = utcnow()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="collecte-heartbeat", daemon=True)

    def start(self) -> _Heartbeat:
        self._beat()
        self.thread.start()
        return self

    def _beat(self) -> None:
        try:
            with self.app.app_context():
                liveness.beat(db.engine, self.name, "worker", self.started_at)
        except Exception:  # the database is away for a moment: the next beat may pass
            log.warning("could not record the worker's heartbeat", exc_info=True)

    def _run(self) -> None:
        while not self.stopping.wait(self.interval):
            self._beat()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=self.interval + 5)
        try:
            with self.app.app_context():
                liveness.forget(db.engine, self.name)
        except Exception:
            log.warning("could not remove the worker's heartbeat", exc_info=True)

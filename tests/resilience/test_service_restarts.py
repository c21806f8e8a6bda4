"""Redis or PostgreSQL restarted while a scan station keeps scanning through a live server.

Every scan that was answered 2xx is recorded exactly once; nothing answers 500 (a 503 with
Retry-After at worst); the app and the workers recover without being restarted.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
import requests
from sqlalchemy import func, select

from collecte.domain.models import StageEvent
from collecte.extensions import db
from collecte.services.users import create_token
from tests.factories import Factory
from tests.resilience.conftest import LiveServer
from tests.resilience.helpers import Scanner, job_row, many_devices

DEVICES = 300


@pytest.fixture
def stack_settings(private_redis):
    # As in production (docker-compose): the login rate limiter counts in Redis too.
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": private_redis.url}


def _recorded_once(scanner: Scanner, devices) -> None:
    """Every accepted scan is in stage_events once, and each device moved once."""
    assert 500 not in scanner.statuses and not scanner.errors, (scanner.errors[:5],
                                                                 Counter(scanner.statuses))
    assert len(scanner.accepted) == len(devices)
    db.session.rollback()
    recorded = Counter(db.session.scalars(select(StageEvent.client_event_id).where(
        StageEvent.client_event_id.in_(list(scanner.accepted)))))
    assert set(recorded) == set(scanner.accepted) and set(recorded.values()) == {1}
    moves = db.session.scalar(select(func.count()).select_from(StageEvent).where(
        StageEvent.to_stage == "diagnosed"))
    assert moves == len(devices)
    for response in scanner.unavailable:
        assert response.headers["Retry-After"].isdigit()
        assert response.headers["Content-Type"].startswith("application/problem+json")


def test_scans_flow_while_redis_restarts_and_jobs_asked_meanwhile_run_after(stack,
                                                                             private_redis):
    world = Factory(db.session).world()
    devices = many_devices(world, DEVICES)
    token = create_token(world.tech, "scanner")
    stack.worker()
    stack.beat()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    with LiveServer(stack.app) as server, \
            Scanner(server.url, token, [d.code for d in devices]) as scanner:
        scanner.wait_accepted(20)
        private_redis.stop()
        # Scans do not need Redis: they keep being accepted while it is down.
        before = len(scanner.accepted)
        batch = api.post(f"{server.url}/api/v1/label-batches", timeout=30, json={
            "codes": [devices[0].code], "layout": "avery-l7160"})
        assert batch.status_code == 202, batch.text  # committed; its publication failed
        login = requests.post(f"{server.url}/login", timeout=30, allow_redirects=False,
                              data={"email": world.tech.email, "password": "password"})
        assert login.status_code == 302, login.text[:500]  # the limiter's Redis is down
        time.sleep(1.5)
        assert len(scanner.accepted) > before
        private_redis.start()
        scanner.wait_accepted(DEVICES, 120)
    _recorded_once(scanner, devices)
    assert not scanner.unavailable  # no scan even saw a 503

    # The job asked for while Redis was down was committed, not published: the sweeper sends
    # it once Redis is back, and the same worker (reconnected) runs it.
    job_id = batch.json()["job_id"]
    row = stack.wait_for(lambda: job_row(job_id).state == "done" and job_row(job_id), 120,
                         what="the label job asked during the outage done")
    assert row.attempts == 1 and row.result["labels"] == 1
    assert all(p.process.poll() is None for p in stack.processes)  # nothing was restarted


def test_scans_survive_a_postgresql_restart_and_the_app_recovers_by_itself(stack,
                                                                           private_postgres):
    world = Factory(db.session).world()
    devices = many_devices(world, DEVICES)
    token = create_token(world.tech, "scanner")
    db.session.remove()
    with LiveServer(stack.app) as server, \
            Scanner(server.url, token, [d.code for d in devices]) as scanner:
        scanner.wait_accepted(20)
        private_postgres.stop("fast")  # what a restart or a failover does to open connections
        time.sleep(1.5)
        private_postgres.start()
        scanner.wait_accepted(DEVICES, 120)
        # The same server process answers again: the pool reconnected (pre-ping).
        health = requests.get(f"{server.url}/api/v1/scans", timeout=10,
                              headers={"Authorization": f"Bearer {token}"})
        assert health.status_code == 405
    assert scanner.unavailable, "no scan met the outage: the restart came too late"
    _recorded_once(scanner, devices)

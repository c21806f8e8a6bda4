"""Workers that die or fail: jobs still complete once, poison jobs stop, rollbacks send nothing.

Real Celery workers on a private Redis and PostgreSQL (see conftest); `kill -9` is SIGKILL.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import time

import pytest
from sqlalchemy import func, select

from collecte import jobs
from collecte.domain.models import Device, StageEvent
from collecte.extensions import db
from collecte.services import labels
from collecte.services.jobs import MAX_ATTEMPTS
from collecte.services.users import create_token
from tests.factories import Factory
from tests.resilience.helpers import job_row, many_devices


def _state(job_id: str, *states: str):
    def check():
        row = job_row(job_id)
        return row if row.state in states else None
    return check


@pytest.mark.parametrize("killed", ["worker", "pool process"])
def test_a_worker_killed_mid_label_batch_finishes_it_once(stack, killed):
    world = Factory(db.session).world()
    devices = many_devices(world, 3000)
    job = labels.enqueue_batch(world.tech, [d.id for d in devices],
                               labels.BatchOptions(layout_id="avery-l7160", fmt="pdf"))
    db.session.commit()
    job_id = job.id
    worker = stack.worker(pool="solo" if killed == "worker" else "prefork")
    stack.wait_for(lambda: (row := job_row(job_id)).state == "running" and row.done > 0, 120,
                   what="the batch under way")
    if killed == "worker":
        worker.kill9()
    else:  # the pool process running the task; its parent re-queues the message
        (child,) = worker.children()
        os.kill(child, signal.SIGKILL)
    killed_row = job_row(job_id)
    assert killed_row.state == "running" and 0 < killed_row.done < 3000, stack.logs()

    if killed == "worker":
        # Its unacknowledged message would come back only after Redis' visibility timeout
        # (1 h): the lease expires in seconds and the sweeper (beat) re-sends the job.
        stack.beat()
        stack.worker()
    # Else the worker re-queues the message of its dead pool process at once (reject on
    # worker lost), and the job's lease owner is found dead: no sweeper needed (no beat here).
    row = stack.wait_for(_state(job_id, "done", "failed"), 120, what="the job finished")
    assert row.state == "done", (row.error, stack.logs())
    assert row.attempts == 2 and row.result["labels"] == 3000
    folder = stack.tmp_path / "data" / "jobs" / job_id
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["etiquettes-avery-l7160.pdf"], files  # no half-written .part left behind
    pdf = (folder / files[0]).read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == -(-3000 // 21)


def test_a_worker_killed_mid_import_leaves_every_device_once(stack):
    world = Factory(db.session).world()
    api = stack.app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_token(world.donor, 'test')}"
    today = dt.date.today()
    pledge = api.post("/api/v1/pledges", json={
        "items": {"laptop": 1}, "pickup_address": "1 rue de la Paix, Évry",
        "contact_name": "Camille Martin", "contact_email": "camille@donateur.example",
        "window_start": (today + dt.timedelta(days=7)).isoformat(),
        "window_end": (today + dt.timedelta(days=21)).isoformat()})
    assert pledge.status_code == 201, pledge.json
    pid = pledge.json["id"]
    rows = 30_000
    csv = "Numéro de série;Fabricant;Modèle;Type;Numéro d'inventaire\r\n" + "".join(
        f"SN{i:06d};Dell;Latitude 5490;Portable;INV-{i}\r\n" for i in range(rows))
    response = api.post(f"/api/v1/pledges/{pid}/inventory", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(csv.encode("cp1252")), "glpi.csv")})
    assert response.status_code == 202, response.json
    job_id = response.json["job_id"]

    worker = stack.worker()
    stack.wait_for(lambda: (row := job_row(job_id)).state == "running" and row.done > 0, 120,
                   what="the import under way")
    worker.kill9()
    assert job_row(job_id).state == "running", "the import ended before the kill: make it longer"

    stack.beat()
    stack.worker()
    row = stack.wait_for(_state(job_id, "done", "failed"), 180, what="the import finished")
    assert row.state == "done", (row.error, stack.logs())
    assert row.attempts == 2
    assert row.result["added_count"] + row.result["updated_count"] == rows
    # (The pledge's own placeholder device, without a serial, is left out.)
    count, serials = db.session.execute(select(func.count(), func.count(Device.serial.distinct()))
                                        .where(Device.pledge_id == pid,
                                               Device.serial.is_not(None))).one()
    events = db.session.scalar(select(func.count()).select_from(StageEvent).join(Device)
                               .where(Device.pledge_id == pid, Device.serial.is_not(None)))
    assert (count, serials, events) == (rows, rows, rows)


def test_a_job_that_kills_its_worker_every_time_is_failed_after_the_last_attempt(stack):
    job = jobs.enqueue(db.session, "collecte.test_kills_its_worker", kind="selftest")
    db.session.commit()
    job_id = job.id
    stack.beat()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        worker = stack.worker()
        stack.wait_for(lambda w=worker: w.process.poll() is not None, 120,
                       what=f"attempt {attempt} killing its worker")
        assert job_row(job_id).attempts == attempt, stack.logs()
    # A fourth worker: the sweeper (a task too) finds the dead attempt and gives up, or the
    # re-sent message is refused by the attempt counter; either way the worker survives.
    worker = stack.worker()
    _assert_given_up_and_worker_serves(stack, worker, job_id)


def test_a_job_that_kills_its_pool_process_every_time_is_failed_after_the_last_attempt(stack):
    """Prefork: the worker re-queues the message each time its pool process dies; the
    attempt counter, not the worker, is what stops the loop. No sweeper is running."""
    worker = stack.worker(pool="prefork")
    job = jobs.enqueue(db.session, "collecte.test_kills_its_worker", kind="selftest")
    db.session.commit()
    _assert_given_up_and_worker_serves(stack, worker, job.id)


def _assert_given_up_and_worker_serves(stack, worker, job_id: str) -> None:
    row = stack.wait_for(_state(job_id, "failed"), 90, what="the poison job marked failed")
    assert row.attempts == MAX_ATTEMPTS
    assert f"Gave up after {MAX_ATTEMPTS} attempts" in row.error
    after = jobs.enqueue(db.session, "collecte.selftest", kind="selftest", total=2)
    db.session.commit()
    stack.wait_for(_state(after.id, "done"), 120, what="a job after the poison one")
    assert worker.process.poll() is None and job_row(job_id).attempts == MAX_ATTEMPTS


def test_a_task_that_always_raises_stops_after_the_last_attempt_and_is_failed(stack):
    job = jobs.enqueue(db.session, "collecte.test_always_raises", kind="selftest")
    db.session.commit()
    job_id = job.id
    stack.worker()
    row = stack.wait_for(_state(job_id, "failed"), 120, what="the failing job marked failed")
    assert row.attempts == MAX_ATTEMPTS, stack.logs()
    assert "RuntimeError: this task always fails" in row.error
    assert row.finished_at is not None


def test_a_job_asked_for_in_a_rolled_back_transaction_never_runs(stack):
    stack.worker()
    stack.beat()
    lost = jobs.enqueue(db.session, "collecte.selftest", kind="selftest", total=1)
    lost_id = lost.id
    db.session.rollback()
    # A job committed after it, run by the same worker (and the sweeper having had time to
    # look), proves the rolled-back one was never sent.
    other = jobs.enqueue(db.session, "collecte.selftest", kind="selftest", total=1)
    db.session.commit()
    stack.wait_for(_state(other.id, "done"), 120, what="the committed job done")
    time.sleep(2)  # two sweeps
    assert job_row(lost_id) is None
    assert "collecte.selftest" in stack.logs() and lost_id not in stack.logs()

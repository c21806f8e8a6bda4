"""A real Celery worker runs real tasks: on the embedded broker and on Redis."""

import pytest

from collecte import jobs
from collecte.domain.models import Job
from collecte.extensions import db
from tests.workers.conftest import wait_for


@pytest.mark.parametrize("worker_app", ["embedded", pytest.param("redis", marks=pytest.mark.redis)],
                         indirect=True)
def test_a_real_worker_answers_the_ping_task(worker_app):
    app, start_worker = worker_app
    worker = start_worker()
    celery = app.extensions["celery"]
    result = wait_for(lambda: _ping(celery), timeout=60)
    assert result == "pong", worker.log()


def _ping(celery):
    try:
        return celery.send_task("collecte.ping").get(timeout=5)
    except Exception:
        return None


@pytest.mark.parametrize("worker_app", ["embedded", pytest.param("redis", marks=pytest.mark.redis)],
                         indirect=True)
def test_a_job_is_sent_after_commit_and_run_by_the_worker(worker_app):
    app, start_worker = worker_app
    worker = start_worker()
    job = jobs.enqueue(db.session, "collecte.selftest", kind="selftest", total=3)
    db.session.commit()
    job_id = job.id

    def done():
        # End the read at once: on SQLite a transaction holds the write lock the worker needs.
        db.session.rollback()
        db.session.expire_all()  # objects outlive commits (expire_on_commit=False)
        row = db.session.get(Job, job_id)
        state = row.state
        db.session.rollback()
        return row if state == "done" else None

    row = wait_for(done, timeout=60)
    assert row.done == 3 and row.attempts == 1, worker.log()
    assert row.result == {"steps": 3}


@pytest.mark.parametrize("worker_app", ["embedded"], indirect=True)
def test_a_job_asked_for_in_a_rolled_back_transaction_never_runs(worker_app):
    app, start_worker = worker_app
    start_worker()
    job = jobs.enqueue(db.session, "collecte.selftest", kind="selftest", total=1)
    job_id = job.id
    db.session.rollback()
    # A second, committed job proves the worker is live and has drained the queue.
    other = jobs.enqueue(db.session, "collecte.selftest", kind="selftest", total=1)
    db.session.commit()
    other_id = other.id
    def other_done():
        db.session.rollback()
        db.session.expire_all()  # objects outlive commits (expire_on_commit=False)
        state = db.session.get(Job, other_id).state
        db.session.rollback()
        return state == "done"

    wait_for(other_done, timeout=60)
    assert db.session.get(Job, job_id) is None


@pytest.mark.parametrize("worker_app", ["embedded"], indirect=True)
def test_healthz_reports_a_live_worker(worker_app):
    app, start_worker = worker_app
    start_worker()
    wait_for(lambda: _ping(app.extensions["celery"]), timeout=60)
    response = app.test_client().get("/healthz")
    body = response.json
    assert response.status_code == 200, body
    assert body["database"] == {"ok": True} and body["broker"] == {"ok": True}
    assert body["worker"]["ok"] is True and body["worker"]["seen_at"]
    assert body["status"] == "degraded"  # no beat here: the sweeper has never run
    assert body["sweeper"] == {"ok": False, "seen_at": None}

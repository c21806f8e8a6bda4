"""The job life cycle: leases, attempts, and what the sweeper re-sends (no worker needed)."""

from __future__ import annotations

import datetime as dt

from collecte import jobs as sender
from collecte.domain.models import Job, utcnow
from collecte.services import jobs

LONG_AGO = dt.timedelta(hours=1)


def _job(db, **fields) -> Job:
    job = sender.enqueue(db.session, "collecte.selftest", kind="selftest")
    for name, value in fields.items():
        setattr(job, name, value)
    db.session.commit()
    return job


def _reload(db, job_id: str) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_a_job_running_under_a_live_lease_is_not_started_twice(db):
    job = _job(db)
    assert jobs.start(job.id) is not None
    assert jobs.start(job.id) is None  # a second delivery while the first attempt lives
    assert _reload(db, job.id).attempts == 1


def test_a_running_job_whose_lease_expired_is_taken_over_and_counted(db):
    job = _job(db, state="running", attempts=1, heartbeat_at=utcnow() - LONG_AGO)
    assert jobs.start(job.id) is not None
    row = _reload(db, job.id)
    assert (row.state, row.attempts) == ("running", 2)


def test_a_job_whose_attempt_process_died_on_this_host_is_taken_over_at_once(db):
    import socket
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    job = _job(db, state="running", attempts=1, heartbeat_at=utcnow(),
               lease_owner=f"{socket.gethostname()}:{gone.pid}")
    assert jobs.start(job.id) is not None
    assert _reload(db, job.id).attempts == 2


def test_a_live_lease_held_on_another_host_is_respected(db):
    job = _job(db, state="running", attempts=1, heartbeat_at=utcnow(),
               lease_owner="another-host:1")
    assert jobs.start(job.id) is None


def test_the_sweeper_resends_dead_and_unsent_jobs_and_fails_those_out_of_attempts(db):
    dead = _job(db, state="running", attempts=1, heartbeat_at=utcnow() - LONG_AGO)
    poison = _job(db, state="running", attempts=jobs.MAX_ATTEMPTS,
                  heartbeat_at=utcnow() - LONG_AGO)
    alive = _job(db, state="running", attempts=1, heartbeat_at=utcnow())
    unsent = _job(db, created_at=utcnow() - LONG_AGO)
    fresh = _job(db)
    sent = jobs.sweep(dt.timedelta(minutes=5))
    assert sorted(job_id for _, job_id in sent) == sorted([dead.id, unsent.id])
    assert _reload(db, dead.id).state == "pending"
    assert _reload(db, poison.id).state == "failed"
    assert f"Gave up after {jobs.MAX_ATTEMPTS} attempts" in _reload(db, poison.id).error
    assert _reload(db, alive.id).state == "running"
    assert _reload(db, fresh.id).state == "pending"
    # Just re-sent: not sent again at the next sweep unless it stays unstarted.
    assert jobs.sweep(dt.timedelta(minutes=5)) == []


def test_a_failed_attempt_is_retried_until_the_last_one(db):
    job = _job(db)
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        assert jobs.start(job.id) is not None
        retry = jobs.record_failure(job.id, "RuntimeError: boom")
        assert retry == (attempt < jobs.MAX_ATTEMPTS)
    row = _reload(db, job.id)
    assert (row.state, row.attempts) == ("failed", 3)
    assert row.error == "RuntimeError: boom\nGave up after 3 attempts."
    assert jobs.start(job.id) is None


def test_a_domain_refusal_fails_the_job_at_once(db):
    job = _job(db)
    jobs.start(job.id)
    assert jobs.record_failure(job.id, "Invalid: pledge closed", final=True) is False
    assert _reload(db, job.id).state == "failed"


def _finished_with_file(db, app, days_ago: float) -> Job:
    job = _job(db, state="done", finished_at=utcnow() - dt.timedelta(days=days_ago))
    path = jobs.result_dir(job.id) / "labels.pdf"
    path.write_bytes(b"%PDF-1.4 test")
    job.result_path = str(path)
    db.session.commit()
    return job


def _belongs_to(job: Job, user) -> None:
    job.created_by_id, job.organisation_id = user.id, user.organisation_id


def test_a_job_file_is_purged_after_its_keeping_time_and_the_download_says_why(
        db, app, client, world, login_as):
    old = _finished_with_file(db, app, days_ago=8)
    recent = _finished_with_file(db, app, days_ago=1)
    for job in (old, recent):
        _belongs_to(job, world.tech)
    db.session.commit()

    assert jobs.purge_results() == 1
    assert jobs.purge_results() == 0  # running it again changes nothing
    assert not jobs.result_dir(old.id).joinpath("labels.pdf").exists()
    assert _reload(db, recent.id).result_path is not None
    assert "purged_at" in _reload(db, old.id).result

    login_as(world.tech)
    gone = client.get(f"/jobs/{old.id}/result")
    assert gone.status_code == 410
    assert "supprimé après 7 jours" in gone.get_data(as_text=True)
    kept = client.get(f"/jobs/{recent.id}/result")
    assert kept.status_code == 200 and kept.data == b"%PDF-1.4 test"


def test_a_job_file_lost_from_the_disk_is_a_410_not_a_500(db, app, client, world, login_as):
    job = _finished_with_file(db, app, days_ago=0)
    _belongs_to(job, world.tech)
    db.session.commit()
    jobs.result_dir(job.id).joinpath("labels.pdf").unlink()
    login_as(world.tech)
    assert client.get(f"/jobs/{job.id}/result").status_code == 410

"""A job that waits says why and since when; managers see when no worker answers."""

import datetime as dt
import re

from collecte import jobs
from collecte.domain.models import Job, utcnow
from collecte.extensions import db
from collecte.services import liveness


def _label_job(user, **fields) -> Job:
    job = jobs.enqueue(db.session, "collecte.print_labels", kind="labels", user=user, total=10)
    for name, value in fields.items():
        setattr(job, name, value)
    db.session.commit()
    return job


def _worker_seen(ago: dt.timedelta) -> None:
    db.session.rollback()
    liveness.beat(db.engine, "celery@w1", "worker", utcnow() - dt.timedelta(hours=2))
    with db.engine.begin() as conn:
        conn.execute(liveness.ProcessHeartbeat.__table__.update().values(seen_at=utcnow() - ago))


def _hhmm(moment: dt.datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")


def test_a_running_job_whose_worker_stopped_beating_is_stalled_since_its_last_beat(
        app, client, api_as, login_as, world):
    _worker_seen(dt.timedelta(seconds=1))
    last_beat = utcnow() - dt.timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 30)
    job = _label_job(world.tech, state="running", attempts=1, done=200,
                     started_at=last_beat, heartbeat_at=last_beat)
    body = api_as(world.tech).get(f"/api/v1/jobs/{job.id}").json
    assert body["state"] == "stalled"
    assert body["waiting"]["reason"] == "stalled"
    assert f"En attente d'un worker depuis {_hhmm(last_beat)}" in body["waiting"]["message"]
    login_as(world.tech)
    page = client.get(f"/labels/jobs/{job.id}").get_data(as_text=True)
    waiting = re.search(r'<p id="job-waiting"[^>]*>(.*?)</p>', page, re.S)
    assert waiting and "hidden" not in waiting.group(0).split(">")[0]
    assert f"En attente d&#39;un worker depuis {_hhmm(last_beat)}" in waiting.group(1)
    assert "impression" not in page.split('id="job-status"')[1].split("</p>")[0].lower()


def test_a_running_job_with_a_fresh_lease_is_simply_running(app, api_as, world):
    _worker_seen(dt.timedelta(seconds=1))
    job = _label_job(world.tech, state="running", attempts=1, started_at=utcnow(),
                     heartbeat_at=utcnow())
    body = api_as(world.tech).get(f"/api/v1/jobs/{job.id}").json
    assert body["state"] == "running" and body["waiting"] is None


def test_a_pending_job_without_any_worker_says_so_and_whom_to_ask(app, api_as, world):
    job = _label_job(world.tech)
    body = api_as(world.tech).get(f"/api/v1/jobs/{job.id}").json
    assert body["state"] == "pending" and body["waiting"]["reason"] == "no-worker"
    assert "aucun ne répond" in body["waiting"]["message"]
    assert "prévenez l'administrateur de Collecte" in body["waiting"]["message"]
    app.config["SUPPORT_CONTACT"] = "support@reseau.example (01 23 45 67 89)"
    body = api_as(world.tech).get(f"/api/v1/jobs/{job.id}",
                                  headers={"Accept-Language": "en"}).json
    assert "support@reseau.example (01 23 45 67 89)" in body["waiting"]["message"]


def test_a_pending_job_with_a_live_worker_is_only_queued(app, api_as, world):
    _worker_seen(dt.timedelta(seconds=1))
    job = _label_job(world.tech)
    body = api_as(world.tech).get(f"/api/v1/jobs/{job.id}").json
    assert body["state"] == "pending" and body["waiting"] is None


def test_managers_and_admins_see_a_banner_once_no_worker_answered_for_a_minute(
        app, client, login_as, world):
    _worker_seen(dt.timedelta(seconds=30))
    login_as(world.manager)
    assert 'class="banner-warning"' not in client.get("/").get_data(as_text=True)
    _worker_seen(dt.timedelta(seconds=61))
    seen_at = utcnow() - dt.timedelta(seconds=61)
    page = client.get("/").get_data(as_text=True)
    assert 'class="banner-warning" role="alert"' in page
    assert f"Aucun worker n&#39;a répondu depuis {_hhmm(seen_at)}" in page
    client.post("/logout")
    login_as(world.tech)  # technicians see their job's own message, not the banner
    assert 'class="banner-warning"' not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login_as(world.admin)
    assert 'class="banner-warning"' in client.get("/").get_data(as_text=True)

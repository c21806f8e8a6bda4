"""/healthz reports the database, the broker and the worker, each checked for real."""

import datetime as dt

from collecte.domain.models import utcnow
from collecte.extensions import db
from collecte.services import liveness


def test_healthz_answers_503_saying_the_broker_and_the_worker_are_missing(app, client):
    app.config.update(BROKER_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": False, "error": "ConnectionError"}
    assert body["worker"] == {"ok": False, "seen_at": None, "error": "no worker has ever answered"}
    assert body["status"] == "degraded"


def test_a_worker_silent_for_longer_than_a_lease_is_down(app, client):
    app.config.update(BROKER_URL="memory://")
    started = utcnow() - dt.timedelta(hours=1)
    liveness.beat(db.engine, "celery@a", "worker", started)
    assert client.get("/healthz").json["worker"]["ok"] is True
    db.session.rollback()  # tests keep one app context: end the request's transaction
    with db.engine.begin() as conn:
        conn.execute(liveness.ProcessHeartbeat.__table__.update().values(
            seen_at=utcnow() - dt.timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 1)))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["worker"]["error"] == "no worker has answered recently"


def test_a_worker_stopped_cleanly_is_forgotten(app):
    liveness.beat(db.engine, "celery@a", "worker", utcnow())
    assert liveness.read().worker_alive
    db.session.rollback()
    liveness.forget(db.engine, "celery@a")
    assert liveness.read().worker_seen_at is None

"""/healthz reports the database, the broker and the worker, each checked for real."""


def test_healthz_says_the_database_is_up_and_the_worker_missing(app, client):
    app.config.update(BROKER_URL="memory://")
    app.extensions["celery"].conf.broker_url = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False and body["worker"]["ok"] is False
    assert body["status"] == "degraded"

"""/healthz: database, broker and worker, each checked for real."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_file
from flask_login import login_required
from sqlalchemy import text

from ..extensions import db
from ..services import jobs as job_service
from .helpers import acting_user

bp = Blueprint("health", __name__)


def _database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return {"ok": True}
    except Exception as exc:  # report, don't crash: this page exists for bad days
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}


def _broker_and_worker() -> tuple[dict, dict]:
    """The broker answers a connection; a worker answers a ping task within 3 seconds."""
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        broker = {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}, {"ok": False, "error": "no broker"}
    try:
        reply = celery.send_task("collecte.ping", retry=False).get(timeout=3)
        worker = {"ok": reply == "pong"}
    except Exception as exc:
        worker = {"ok": False, "error": type(exc).__name__}
    return broker, worker


@bp.get("/healthz")
def healthz():
    database = _database()
    broker, worker = _broker_and_worker()
    ok = database["ok"] and broker["ok"] and worker["ok"]
    body = {"status": "ok" if ok else "degraded", "database": database, "broker": broker,
            "worker": worker}
    # 503 only when the database is down: without a worker, scans still work.
    return jsonify(body), (200 if database["ok"] else 503)


jobs_bp = Blueprint("jobs", __name__)


@jobs_bp.get("/jobs/<string:job_id>/result")
@login_required
def result(job_id: str):
    return send_file(job_service.result_file(acting_user(), job_id), as_attachment=True)

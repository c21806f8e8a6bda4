"""/healthz: database, broker and worker, each checked for real and bounded in time."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_file
from flask_login import login_required
from sqlalchemy import text

from ..extensions import db
from ..services import jobs as job_service
from ..services import liveness
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


def _workers() -> tuple[dict, dict]:
    """From the heartbeats the workers and the sweeper write: no broker round trip, so a
    worker busy with a 10,000-label batch still counts as alive."""
    try:
        seen = liveness.read()
    except Exception as exc:  # the database is down: said above already
        db.session.rollback()
        return ({"ok": False, "error": type(exc).__name__},
                {"ok": False, "error": type(exc).__name__})
    worker = {"ok": seen.worker_alive, "seen_at": _iso(seen.worker_seen_at)}
    if not seen.worker_alive:
        worker["error"] = "no worker has answered recently" if seen.worker_seen_at else \
            "no worker has ever answered"
    # The sweeper (beat) re-sends lost jobs every JOB_SWEEP_SECONDS: silent for three
    # periods, jobs whose worker died are no longer picked up again.
    period = current_app.config["JOB_SWEEP_SECONDS"]
    sweeper_ok = seen.sweeper_seen_at is not None and (
        seen.now - seen.sweeper_seen_at).total_seconds() <= 3 * period + 5
    return worker, {"ok": sweeper_ok, "seen_at": _iso(seen.sweeper_seen_at)}


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


@bp.get("/healthz")
def healthz():
    """200 when the database, the broker and a worker all answer; 503 otherwise, the JSON
    saying which (an orchestrator's health check, a monitoring probe). Answers within about
    two seconds whatever is frozen: each check is bounded."""
    database = _database()
    broker = liveness.broker_status()
    worker, sweeper = _workers()
    ok = database["ok"] and broker["ok"] and worker["ok"]
    body = {"status": "ok" if ok and sweeper["ok"] else "degraded", "database": database,
            "broker": broker, "worker": worker, "sweeper": sweeper}
    return jsonify(body), (200 if ok else 503)


jobs_bp = Blueprint("jobs", __name__)


@jobs_bp.get("/jobs/<string:job_id>/result")
@login_required
def result(job_id: str):
    return send_file(job_service.result_file(acting_user(), job_id), as_attachment=True)

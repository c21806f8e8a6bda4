"""GET /api/v1/jobs/{id}: a background job's state, progress and result."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..services import jobs as job_service
from .auth import current_api_user
from .schemas.fields import UtcDateTime

blp = Blueprint("api_jobs", __name__, description="Background jobs (label batches, imports...)")


class JobOut(Schema):
    id = fields.Str()
    kind = fields.Str()
    state = fields.Str()
    done = fields.Int()
    total = fields.Int()
    attempts = fields.Int()
    error = fields.Str(allow_none=True)
    result = fields.Dict(allow_none=True)
    result_url = fields.Function(
        lambda j: url_for("jobs.result", job_id=j.id, _external=True)
        if j.result_path else None)
    created_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)


@blp.route("/jobs/<string:job_id>")
class JobById(MethodView):
    @blp.response(200, JobOut)
    def get(self, job_id):
        """Poll a job: state (pending, running, done, failed), done/total, result URL."""
        return job_service.get_job(current_api_user(), job_id)

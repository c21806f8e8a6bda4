"""GET /api/v1/jobs/{id}: a background job's state, progress and result."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..errors import to_json, translate
from ..services import imports as import_service
from ..services import jobs as job_service
from ..web import background
from .auth import current_api_user
from .schemas.fields import UtcDateTime

blp = Blueprint("api_jobs", __name__, description="Background jobs (label batches, imports...)")


class JobWaitingOut(Schema):
    reason = fields.Str(metadata={"enum": ["stalled", "no-worker"], "description":
                                  "`stalled`: the attempt's worker stopped renewing its lease "
                                  "(it died); `no-worker`: no worker answers at all."})
    since = UtcDateTime()
    message = fields.Str(metadata={"description": "What to tell the person who waits, in "
                                                  "the request's language."})


class JobOut(Schema):
    id = fields.Str()
    kind = fields.Str()
    state = fields.Method("shown_state", metadata={
        "type": "string", "enum": ["pending", "running", "stalled", "done", "failed"],
        "description": "`stalled`: running, but its worker has not renewed the lease for "
                       "longer than the lease (it died): the job is sent again within seconds "
                       "once a worker answers."})
    waiting = fields.Method("shown_waiting", allow_none=True, metadata={
        "type": "object", "nullable": True,
        "description": "Set while the job waits for a worker: why, since when, and a message "
                       "for the person (`JobWaitingOut`)."})
    done = fields.Int()
    total = fields.Int()
    attempts = fields.Int()
    error = fields.Str(allow_none=True)
    result = fields.Method("shown_result", allow_none=True, metadata={
        "type": "object", "nullable": True,
        "description": "What the job made (counts, lines...). An inventory import's `refused` "
                       "lists `{line, errors, problems}`: `errors` are the problems as text in "
                       "the request's language, `problems` the same as `{msgid, params, text}` "
                       "(French msgid, its values; a value `{\"term\": msgid}` is a label; "
                       "msgid null for results recorded before problems had one)."})
    result_url = fields.Function(
        lambda j: url_for("jobs.result", job_id=j.id, _external=True)
        if j.result_path else None)
    created_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)

    def shown_state(self, job):
        return background.status(job).state

    def shown_waiting(self, job):
        shown = background.status(job)
        if shown.waiting_reason is None:
            return None
        return JobWaitingOut().dump({"reason": shown.waiting_reason,
                                     "since": shown.waiting_since,
                                     "message": translate(shown.message)})

    def shown_result(self, job):
        """The stored result, with an import's problems in the reader's language."""
        if job.kind != "inventory_import" or not job.result or "refused" not in job.result:
            return job.result
        return {**job.result, "refused": [
            {"line": line["line"], "errors": translate(line["errors"]),
             "problems": [_problem(message) for message in line["errors"]]}
            for line in import_service.refused_lines(job.result)]}


def _problem(message: str) -> dict:
    stored = to_json(message)
    if isinstance(stored, str):  # recorded as text, before problems had a msgid
        stored = {"msgid": None, "params": {}}
    return {**stored, "text": translate(message)}


@blp.route("/jobs/<string:job_id>")
class JobById(MethodView):
    @blp.response(200, JobOut)
    def get(self, job_id):
        """Poll a job: state (pending, running, done, failed), done/total, result URL."""
        return job_service.get_job(current_api_user(), job_id)

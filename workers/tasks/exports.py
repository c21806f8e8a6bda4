"""Background exports of the managers' figures (large files, with progress)."""

from __future__ import annotations

from collecte.domain.models import User
from collecte.extensions import db
from collecte.services import exports, jobs

from .base import job_task


@job_task(exports.TASK)
def export(job):
    params = job.params
    user = db.session.get(User, job.created_by_id)
    kind, fmt = params["kind"], params["format"]
    folder = jobs.result_dir(job.id)
    target = folder / exports.file_name(kind, fmt)
    temporary = target.with_suffix(".part")
    count = exports.write(user, kind, fmt, exports.filters_from_params(params["filters"]),
                          temporary, progress=lambda done, total: jobs.progress(job.id, done,
                                                                                total))
    temporary.replace(target)
    return str(target), {"rows": count, "file": target.name}

"""Celery entry point: `celery -A workers.app worker` (and `beat`)."""

from __future__ import annotations

from collecte import create_app
from collecte.extensions import db
from collecte.services.schema import refuse_if_behind

flask_app = create_app()
# Under celery's own CLI the factory skips the schema check; a worker must not run on a
# database that is behind either.
if not flask_app.testing:
    refuse_if_behind(flask_app, force=True)
with flask_app.app_context():  # fork with no connection open (children also dispose theirs)
    for engine in db.engines.values():
        engine.dispose()
celery = flask_app.extensions["celery"]

from . import lifecycle  # noqa: E402

lifecycle.connect(flask_app)

from . import schedule  # noqa: E402
from .tasks import load_all  # noqa: E402

load_all()
# The sweeper's period is a setting (COLLECTE_JOB_SWEEP_SECONDS): a dead worker's job is picked
# up again within about lease + period.
celery.conf.beat_schedule = {
    **schedule.BEAT_SCHEDULE,
    "sweep-unsent-jobs": {**schedule.BEAT_SCHEDULE["sweep-unsent-jobs"],
                          "schedule": flask_app.config["JOB_SWEEP_SECONDS"]},
}

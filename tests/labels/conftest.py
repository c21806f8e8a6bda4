"""Fixtures for label and receiving tests: pledges with placeholders, running a queued job."""

from __future__ import annotations

import pytest

from collecte.domain.models import Job
from collecte.extensions import db as _db


@pytest.fixture
def pledge_with_placeholders(make, world):
    """An accepted pledge of world.operator with three placeholders still `pledged`."""

    def _make(count: int = 3, operator=None):
        operator = operator or world.operator
        pledge = make.pledge(world.donor_org, operator_id=operator.id, status="accepted")
        devices = [make.device("pledged", operator=operator, donor=world.donor_org,
                               pledge_id=pledge.id, make="HP", model=f"EliteBook 8{i}0")
                   for i in range(count)]
        return pledge, devices

    return _make


@pytest.fixture
def run_job(app):
    """Run a queued job now, in this process, through its real task function."""
    from workers.tasks.labels import print_labels

    def _run(job_id: str) -> Job:
        # The task runs in its own app context and session: end the test's transaction first
        # (on SQLite it holds the write lock).
        _db.session.rollback()
        print_labels(job_id)
        _db.session.rollback()
        return _db.session.get(Job, job_id)

    return _run


from tests.workers.conftest import worker_app  # noqa: E402,F401 - a real Celery worker

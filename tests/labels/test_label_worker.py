"""A real Celery worker prints a label batch: progress recorded, the PDF decodes."""

from pathlib import Path

import pytest

from collecte.domain.models import Job
from collecte.extensions import db
from collecte.services import labels
from tests.factories import Factory
from tests.printing.decode import decode_pdf
from tests.workers.conftest import wait_for


@pytest.mark.parametrize("worker_app", ["embedded", pytest.param("redis", marks=pytest.mark.redis)],
                         indirect=True)
def test_a_real_worker_prints_a_batch_of_labels(worker_app, tmp_path):
    app, start_worker = worker_app
    make = Factory(db.session)
    world = make.world()
    devices = [make.device("received", operator=world.operator) for _ in range(30)]
    worker = start_worker()
    job = labels.request_batch(world.tech, labels.BatchOptions(layout_id="avery-l7160"),
                               codes=[d.code for d in devices])
    job_id = job.id
    db.session.rollback()

    def done():
        db.session.rollback()
        db.session.expire_all()  # objects outlive commits (expire_on_commit=False)
        row = db.session.get(Job, job_id)
        state = row.state
        db.session.rollback()
        return row if state in ("done", "failed") else None

    row = wait_for(done, timeout=90)
    assert row.state == "done", (row.error, worker.log())
    assert (row.done, row.total, row.result["labels"]) == (30, 30, 30)
    pages = decode_pdf(Path(row.result_path), tmp_path)
    assert sorted(url for page in pages for url in page) == sorted(
        f"{app.config['PUBLIC_URL']}/d/{d.code}" for d in devices)

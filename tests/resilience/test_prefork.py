"""A prefork worker with two children on PostgreSQL: each child has connections of its own.

Before workers/lifecycle.py disposed the inherited engine, the children shared the parent's
pooled socket to PostgreSQL: tasks read each other's rows (NoSuchColumnError), the protocol
lost synchronization, a fold kept its advisory lock. Here a label batch, job after job, folds,
sweeps and the outbox run at the same time on two children, and every result is checked.
"""

from __future__ import annotations

from sqlalchemy import func, select

from collecte.domain.models import CounterDelta, Job, OutboxMail
from collecte.extensions import db
from collecte.services import labels, mail, stages
from tests.factories import Factory
from tests.resilience.helpers import job_row, many_devices

BROKEN_CONNECTION = ("NoSuchColumnError", "lost synchronization", "ResourceClosedError",
                     "InterfaceError", "OperationalError", "DatabaseError")


def test_two_prefork_children_run_overlapping_tasks_each_on_its_own_connection(stack):
    celery = stack.app.extensions["celery"]
    world = Factory(db.session).world()
    devices = many_devices(world, 1200)
    batch = labels.enqueue_batch(world.tech, [d.id for d in devices],
                                 labels.BatchOptions(layout_id="avery-l7160", fmt="pdf"))
    from collecte import jobs

    counting = [jobs.enqueue(db.session, "collecte.selftest", kind="selftest", user=world.tech,
                             total=40) for _ in range(24)]
    for n in range(30):
        mail.queue_mail(f"person{n}@example.org", f"Message {n}", "Bonjour")
    db.session.commit()
    for device in devices[:60]:  # scans write counter deltas for the folds to add up
        stages.advance(world.tech, device.code, "diagnosed")
    job_ids = [batch.id, *(job.id for job in counting)]

    worker = stack.worker(pool="prefork", concurrency=2)
    stack.wait_for(lambda: len(worker.children()) == 2, 60, what="two pool processes")
    for _ in range(6):
        celery.send_task("collecte.fold_counters")
        celery.send_task("collecte.sweep_jobs")
        celery.send_task("collecte.send_outbox")

    def all_done():
        return all(job_row(job_id).state == "done" for job_id in job_ids)

    stack.wait_for(all_done, 240, what="every job done")

    def outbox_and_folds_done():
        db.session.rollback()
        unsent = db.session.scalar(select(func.count()).select_from(OutboxMail)
                                   .where(OutboxMail.sent_at.is_(None)))
        deltas = db.session.scalar(select(func.count()).select_from(CounterDelta))
        db.session.rollback()
        return unsent == 0 and deltas == 0

    stack.wait_for(outbox_and_folds_done, 120, what="the outbox sent and the deltas folded")

    done = job_row(batch.id)
    assert done.result["labels"] == 1200 and done.attempts == 1, stack.logs()
    for job_id in job_ids:
        row = job_row(job_id)
        assert row.attempts == 1 and row.error is None, (row.id, row.error, stack.logs())
    counted = [job_row(job.id).result for job in counting]
    assert counted == [{"steps": 40}] * 24
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Job)
                             .where(Job.state != "done")) == 0
    log = worker.log()
    assert not [word for word in BROKEN_CONNECTION if word in log], log[-6000:]
    # Each child opened connections of its own: no backend serves two of the worker's pids.
    assert len(set(worker.children())) == 2

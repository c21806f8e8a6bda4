"""With the product's own timings: a worker killed mid-job is replaced and its job runs again
within 30 s; the killed attempt's message, handed back by Redis after its visibility timeout,
then finds the job done and changes nothing."""

from __future__ import annotations

import os
import re
import time
from unittest import mock

import pytest

from collecte import config
from collecte.extensions import db
from collecte.services import labels
from tests.factories import Factory
from tests.resilience.helpers import job_row, many_devices

VISIBILITY_S = 30


@pytest.fixture
def stack_settings():
    """The defaults users get (lease, heartbeat, sweep), not the fast test ones; a visibility
    timeout short enough to see the killed attempt's message come back within the test."""
    with mock.patch.dict(os.environ, {}, clear=True):
        defaults = config.from_environment()
    return {**{k: v for k, v in defaults.items() if k.startswith("JOB_")},
            "JOB_RETRY_SECONDS": 2, "BROKER_VISIBILITY_TIMEOUT": VISIBILITY_S}


def _received(stack, job_id: str) -> int:
    return len(re.findall(rf"Task collecte\.print_labels\[{job_id}\] received", stack.logs(10**7)))


def test_a_killed_worker_s_job_runs_again_within_30_s_and_its_old_message_does_nothing(stack):
    world = Factory(db.session).world()
    devices = many_devices(world, 4000)
    job = labels.enqueue_batch(world.tech, [d.id for d in devices],
                               labels.BatchOptions(layout_id="avery-l7160", fmt="pdf"))
    db.session.commit()
    job_id = job.id
    stack.beat()
    worker = stack.worker()
    stack.wait_for(lambda: (row := job_row(job_id)).state == "running" and row.done > 0, 120,
                   what="the batch under way")
    worker.kill9()
    killed_at = time.monotonic()
    assert job_row(job_id).state == "running", "the batch ended before the kill: make it longer"

    stack.worker()  # what the supervisor (docker's restart policy, honcho's operator) does
    stack.wait_for(lambda: job_row(job_id).attempts == 2, 60, what="the job sent again")
    recovery = time.monotonic() - killed_at
    assert recovery <= 30, f"re-run {recovery:.1f} s after the kill"

    row = stack.wait_for(lambda: (r := job_row(job_id)).state in ("done", "failed") and r, 180,
                         what="the job finished")
    assert row.state == "done" and row.attempts == 2, (row.error, stack.logs())
    folder = stack.tmp_path / "data" / "jobs" / job_id
    assert sorted(p.name for p in folder.iterdir()) == ["etiquettes-avery-l7160.pdf"]
    made = (folder / "etiquettes-avery-l7160.pdf").stat().st_mtime_ns
    finished_at = row.finished_at

    # The killed attempt's message is still unacknowledged in Redis. Once its visibility
    # timeout has passed, a worker starting up hands it out again...
    time.sleep(max(0.0, killed_at + VISIBILITY_S + 1 - time.monotonic()))
    before = _received(stack, job_id)
    stack.worker()
    stack.wait_for(lambda: _received(stack, job_id) > before, 60,
                   what="the killed attempt's message delivered again")
    stack.wait_for(lambda: "{'skipped': True}" in stack.logs(10**7), 60,
                   what="the late message skipped")
    # ... and it finds the job done: nothing runs, nothing is rewritten.
    again = job_row(job_id)
    assert (again.state, again.attempts, again.finished_at) == ("done", 2, finished_at)
    assert (folder / "etiquettes-avery-l7160.pdf").stat().st_mtime_ns == made

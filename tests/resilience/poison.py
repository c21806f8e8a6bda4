"""Tasks that misbehave on purpose, loaded only by the fault tests' workers (`-I`)."""

from __future__ import annotations

import os
import signal

from workers.tasks.base import job_task


@job_task("collecte.test_always_raises")
def always_raises(job):
    raise RuntimeError("this task always fails")


@job_task("collecte.test_kills_its_worker")
def kills_its_worker(job):
    """A poison job: whatever runs it dies at once, as under the OOM killer."""
    os.kill(os.getpid(), signal.SIGKILL)

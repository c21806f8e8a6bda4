"""Printing a batch of device labels (PDF, ZIP of PNGs, or ZPL) with a progress bar."""

from __future__ import annotations

from collecte.services import labels

from .base import job_task


@job_task(labels.TASK)
def print_labels(job) -> tuple[str, dict]:
    """Render the job's devices into its result folder; safe to re-run (same file replaced)."""
    return labels.render_batch(job)

"""Inventory imports: run the checked, all-or-nothing write of a pledge's inventory."""

from __future__ import annotations

from celery import shared_task

from collecte.services import imports

from .base import job_task


@job_task("collecte.import_inventory")
def import_inventory(job):
    return None, imports.run_import(job)


@shared_task(name="collecte.purge_uploads", ignore_result=True)
def purge_uploads() -> int:
    """Uploaded inventory files are kept a week (mapping, preview, re-runs), then removed."""
    return imports.purge_uploads()

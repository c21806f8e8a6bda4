"""Donor documents: render and store an issued PDF (certificate, attestation, impact report)."""

from __future__ import annotations

from collecte.services import documents

from .base import job_task


@job_task("collecte.issue_document")
def issue_document(job):
    document = documents.build(job.params["document_id"])
    return None, {"document_id": document.id, "sha256": document.sha256}

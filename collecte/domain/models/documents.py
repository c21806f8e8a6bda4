"""Issued documents (erasure certificates, attestations, impact reports): immutable files."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, in_values, utcnow


class DocumentKind(enum.StrEnum):
    ERASURE_CERTIFICATE = "erasure_certificate"
    DONATION_ATTESTATION = "donation_attestation"
    IMPACT_REPORT = "impact_report"


class Document(Base):
    """One issued PDF. Never changed: a correction issues a new row that supersedes this one."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(in_values("kind", DocumentKind), name="kind"),
        CheckConstraint("pledge_id IS NOT NULL OR year IS NOT NULL", name="pledge_or_year"),
        Index("ix_documents_donor_kind", "donor_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int | None]  # per-donor yearly impact reports
    number: Mapped[str] = mapped_column(String(40), unique=True)
    path: Mapped[str | None] = mapped_column(String(500))  # relative to DATA_DIR/documents
    sha256: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime | None]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    job_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

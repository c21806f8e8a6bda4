"""Beneficiaries (minimal, pseudonymous), allocation requests and allocations."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created_at_column, in_values, utcnow
from .devices import Device
from .people import Organisation, User


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RESERVED = "reserved"
    HANDED_OVER = "handed_over"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Beneficiary(Base):
    """No documents, no income, no nationality, no ID number: by design, not by policy."""

    __tablename__ = "beneficiaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(60))  # pseudonym chosen by the social worker
    commune_code: Mapped[str | None] = mapped_column(String(5))
    department_code: Mapped[str | None] = mapped_column(String(3))
    household_category: Mapped[str | None] = mapped_column(String(40))
    accessibility_needs: Mapped[list] = mapped_column(JSON, default=list)
    eligibility_criterion: Mapped[str | None] = mapped_column(String(40))
    eligibility_other: Mapped[str | None] = mapped_column(String(100))
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attested_at: Mapped[dt.date | None]
    eligible_until: Mapped[dt.date | None]
    last_activity_at: Mapped[dt.datetime | None]
    anonymised_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = created_at_column()

    organisation: Mapped[Organisation] = relationship()


class AllocationRequest(Base):
    __tablename__ = "allocation_requests"
    __table_args__ = (
        CheckConstraint(in_values("status", RequestStatus), name="status"),
        Index("ix_requests_queue", "device_kind", "department_code", "status", "approved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_kind: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(30))
    urgency: Mapped[str] = mapped_column(String(30))
    department_code: Mapped[str] = mapped_column(String(3))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.SUBMITTED.value)
    submitted_at: Mapped[dt.datetime] = created_at_column()
    approved_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    contested_at: Mapped[dt.datetime | None]
    contest_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)
    last_status_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    beneficiary: Mapped[Beneficiary] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])


class Allocation(Base):
    """A device reserved for a request; at most one active per device and per request."""

    __tablename__ = "allocations"
    __table_args__ = (
        Index("uq_allocations_active_pickup_code", "pickup_code", unique=True,
              sqlite_where=text("is_active"), postgresql_where=text("is_active")),
        Index("uq_allocations_active_device", "device_id", unique=True,
              sqlite_where=text("is_active"), postgresql_where=text("is_active")),
        Index("uq_allocations_active_request", "request_id", unique=True,
              sqlite_where=text("is_active"), postgresql_where=text("is_active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("allocation_requests.id"))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    pickup_code: Mapped[str] = mapped_column(String(20))
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)  # rule, queue position, who
    reserved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reserved_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime | None]
    handed_over_at: Mapped[dt.datetime | None]
    handed_over_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[dt.datetime | None]
    release_reason: Mapped[str | None] = mapped_column(String(200))

    request: Mapped[AllocationRequest] = relationship()
    device: Mapped[Device] = relationship()


class BeneficiaryAccess(Base):
    """Who read or exported a beneficiary's record, and when (append-only by use)."""

    __tablename__ = "beneficiary_accesses"
    __table_args__ = (Index("ix_beneficiary_accesses_beneficiary", "beneficiary_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20), default="read")  # read, export
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()


class PickupAttempt(Base):
    """A pickup code typed wrong, counted per user to slow down guessing."""

    __tablename__ = "pickup_attempts"
    __table_args__ = (Index("ix_pickup_attempts_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# What the device suggestion reads: ready devices of a kind, longest-ready first, per site.
# Declared here (the allocation area) because only the suggestion needs it.
Index("ix_devices_ready_kind_site_since", Device.kind, Device.site_id, Device.stage_changed_at,
      postgresql_where=text("stage = 'ready'"), sqlite_where=text("stage = 'ready'"))

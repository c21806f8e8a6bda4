"""Pledges (promesses de don): what a donor gives, where and when to pick it up."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created_at_column, in_values
from .people import Organisation


class PledgeStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    COLLECTED = "collected"
    CLOSED = "closed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Pledge(Base):
    __tablename__ = "pledges"
    __table_args__ = (
        CheckConstraint(in_values("status", PledgeStatus), name="status"),
        CheckConstraint("declared_value IS NULL OR declared_value >= 0", name="declared_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=PledgeStatus.DRAFT.value)
    pickup_address: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    window_start: Mapped[dt.date | None]
    window_end: Mapped[dt.date | None]
    pickup_at: Mapped[dt.datetime | None]
    council_decision_ref: Mapped[str | None] = mapped_column(String(200))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # Expected items by kind ({"laptop": 3}); an imported inventory adds itemised devices.
    items: Mapped[dict] = mapped_column(JSON, default=dict)
    # Only when the donor states one: the attestation never invents a value.
    declared_value: Mapped[float | None] = mapped_column(Numeric(12, 2))
    status_changed_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = created_at_column()
    version: Mapped[int] = mapped_column(default=1)

    donor: Mapped[Organisation] = relationship(foreign_keys=[donor_id])
    operator: Mapped[Organisation | None] = relationship(foreign_keys=[operator_id])

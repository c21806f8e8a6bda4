"""Workshop records that the stage guards read: storage media, erasure, reset, checks."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created_at_column, in_values, utcnow
from .people import User


class ErasureLevel(enum.StrEnum):
    CLEAR = "clear"
    PURGE = "purge"
    DESTROY = "destroy"


class StorageMedium(Base):
    """A storage medium found at diagnosis; every one must be erased before `wiped`."""

    __tablename__ = "storage_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    medium_type: Mapped[str] = mapped_column(String(20))  # hdd, ssd, nvme, emmc, flash, other
    serial: Mapped[str | None] = mapped_column(String(100))
    capacity_gb: Mapped[int | None]
    created_at: Mapped[dt.datetime] = created_at_column()


class Diagnosis(Base):
    __tablename__ = "diagnoses"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    defects: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = created_at_column()


class ErasureRecord(Base):
    """Erasure of one medium (NIST SP 800-88 / IEEE 2883). Kept; a redo adds a new row."""

    __tablename__ = "erasure_records"
    __table_args__ = (
        CheckConstraint(in_values("level", ErasureLevel), name="level"),
        CheckConstraint("verification IN ('passed', 'failed')", name="verification"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    medium_id: Mapped[int] = mapped_column(ForeignKey("storage_media.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    technique: Mapped[str] = mapped_column(String(100))  # overwrite, crypto erase, block erase...
    tool: Mapped[str] = mapped_column(String(100))
    tool_version: Mapped[str] = mapped_column(String(50))
    verification: Mapped[str] = mapped_column(String(10))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    performed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = created_at_column()

    medium: Mapped[StorageMedium] = relationship()
    operator: Mapped[User | None] = relationship()


class ResetRecord(Base):
    """Factory reset and activation-lock / MDM release of a phone, tablet or Mac."""

    __tablename__ = "reset_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    factory_reset: Mapped[bool]
    activation_lock_released: Mapped[bool]
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    performed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FunctionalCheck(Base):
    """The functional test checklist and the grade it led to."""

    __tablename__ = "functional_checks"
    __table_args__ = (CheckConstraint("grade IN ('A', 'B', 'C')", name="grade"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)  # item -> passed
    passed: Mapped[bool]
    grade: Mapped[str] = mapped_column(String(1))
    note: Mapped[str | None] = mapped_column(Text)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = created_at_column()

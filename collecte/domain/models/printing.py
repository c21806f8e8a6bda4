"""Printer profiles: a printer's label stock and how far it shifts the print, per organisation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created_at_column


class PrinterProfile(Base):
    __tablename__ = "printer_profiles"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name", name="organisation_name"),
        # A printer shifting more than 2 cm is misconfigured, not something to compensate.
        CheckConstraint("offset_x_mm BETWEEN -20 AND 20", name="offset_x_range"),
        CheckConstraint("offset_y_mm BETWEEN -20 AND 20", name="offset_y_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    layout_id: Mapped[str] = mapped_column(String(60))
    offset_x_mm: Mapped[float] = mapped_column(default=0.0)
    offset_y_mm: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[dt.datetime] = created_at_column()
    version: Mapped[int] = mapped_column(default=1)

"""Devices: one row per physical item, holding its current stage for fast reads."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..codes import format_code
from ..stages import GRADES, N_, Stage
from .base import Base, created_at_column, in_values, utcnow
from .people import Organisation, Site


class DeviceKind(enum.StrEnum):
    LAPTOP = "laptop"
    DESKTOP = "desktop"
    TABLET = "tablet"
    SMARTPHONE = "smartphone"
    MONITOR = "monitor"
    OTHER = "other"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    DeviceKind.LAPTOP: N_("Ordinateur portable"),
    DeviceKind.DESKTOP: N_("Ordinateur fixe"),
    DeviceKind.TABLET: N_("Tablette"),
    DeviceKind.SMARTPHONE: N_("Smartphone"),
    DeviceKind.MONITOR: N_("Écran"),
    DeviceKind.OTHER: N_("Autre"),
}


# The stages whose devices may be shown as waiting too long (services.dashboard.WAITING_LIMITS).
WAITING_STAGES = ("received", "diagnosed", "wiped", "refurbished", "checked", "ready",
                  "reserved")
WAITING_WHERE = "stage IN (" + ", ".join(f"'{s}'" for s in WAITING_STAGES) + ")"


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint(in_values("stage", Stage), name="stage"),
        CheckConstraint(in_values("kind", DeviceKind), name="kind"),
        CheckConstraint(f"grade IS NULL OR {in_values('grade', GRADES)}", name="grade"),
        # A device in the workshop or beyond has a site; only a pledged one may have none.
        CheckConstraint("site_id IS NOT NULL OR stage IN ('pledged', 'cancelled', 'lost')",
                        name="site_after_receipt"),
        Index("ix_devices_operator_stage", "operator_id", "stage"),
        Index("ix_devices_site_stage", "site_id", "stage"),
        Index("ix_devices_donor", "donor_id"),
        # Devices waiting too long (dashboard): per workshop stage, the oldest first; site and
        # kind included so that the count reads the index only.
        Index("ix_devices_waiting", "stage", "stage_changed_at", "site_id", "kind",
              postgresql_where=text(WAITING_WHERE), sqlite_where=text(WAITING_WHERE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    make: Mapped[str] = mapped_column(String(100), default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    serial: Mapped[str | None] = mapped_column(String(100))
    asset_tag: Mapped[str | None] = mapped_column(String(100))
    purchase_year: Mapped[int | None]
    cpu: Mapped[str | None] = mapped_column(String(200))
    ram_gb: Mapped[int | None]
    grade: Mapped[str | None] = mapped_column(String(1))
    stage: Mapped[str] = mapped_column(String(20), default=Stage.PLEDGED.value)
    stage_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    outcome_reason: Mapped[str | None] = mapped_column(String(300))  # parts/recycled/lost
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), index=True)
    # Bumped by every stage change: the conditional update compares it, so it doubles as an
    # optimistic lock for any other edit of the row.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = created_at_column()

    donor: Mapped[Organisation | None] = relationship(foreign_keys=[donor_id])
    operator: Mapped[Organisation | None] = relationship(foreign_keys=[operator_id])
    site: Mapped[Site | None] = relationship()

    @property
    def stage_enum(self) -> Stage:
        return Stage(self.stage)

    @property
    def kind_enum(self) -> DeviceKind:
        return DeviceKind(self.kind)

    @property
    def printed_code(self) -> str:
        return format_code(self.code)

    @property
    def title(self) -> str:
        return " ".join(p for p in (self.make, self.model) if p) or self.kind_enum.label

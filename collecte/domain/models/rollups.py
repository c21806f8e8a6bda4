"""Dashboard detail roll-ups (lead-time histograms, yield) folded from the stage log by a job."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

# Lead times: one move out of `stage`, on `day` (UTC), after a stay whose length falls in
# `bucket` (services.rollups.BUCKET_HOURS); the place is where the device spent that stay.
LEAD_KEY = ("day", "site_id", "operator_id", "department_code", "kind", "stage", "bucket")
# Yield: the devices now in an `outcome` ("reusable" / "not_reusable") per donor and purchase
# year (0 = unknown donor / year), at their current place.
YIELD_KEY = ("site_id", "operator_id", "department_code", "kind", "donor_id", "purchase_year",
             "outcome")


class LeadTimeSiteDay(Base):
    """Per day and site: what operator or site filters read."""

    __tablename__ = "lead_time_site_days"
    __table_args__ = (UniqueConstraint(*LEAD_KEY, name="uq_lead_time_site_days_key"),
                      Index("ix_lead_time_site_days_operator_day", "operator_id", "day"),
                      Index("ix_lead_time_site_days_site_day", "site_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    site_id: Mapped[int] = mapped_column(default=0)
    operator_id: Mapped[int] = mapped_column(default=0)
    department_code: Mapped[str] = mapped_column(String(3), default="")
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))
    bucket: Mapped[int] = mapped_column()
    moves: Mapped[int] = mapped_column(BigInteger, default=0)


class LeadTimeTerritoryDay(Base):
    """Per day and département (no site): the territorial views."""

    __tablename__ = "lead_time_territory_days"
    __table_args__ = (UniqueConstraint("department_code", "day", "kind", "stage", "bucket",
                                       name="uq_lead_time_territory_days_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    department_code: Mapped[str] = mapped_column(String(3), default="")
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))
    bucket: Mapped[int] = mapped_column()
    moves: Mapped[int] = mapped_column(BigInteger, default=0)


class LeadTimeNationalDay(Base):
    """Per day, kind, stage and bucket only: the whole country's view."""

    __tablename__ = "lead_time_national_days"
    __table_args__ = (UniqueConstraint("day", "kind", "stage", "bucket",
                                       name="uq_lead_time_national_days_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))
    bucket: Mapped[int] = mapped_column()
    moves: Mapped[int] = mapped_column(BigInteger, default=0)


class YieldSite(Base):
    """Devices per place, kind, donor, purchase year and outcome: operator or site filters."""

    __tablename__ = "yield_sites"
    __table_args__ = (UniqueConstraint(*YIELD_KEY, name="uq_yield_sites_key"),
                      Index("ix_yield_sites_operator", "operator_id"),
                      Index("ix_yield_sites_site", "site_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(default=0)
    operator_id: Mapped[int] = mapped_column(default=0)
    department_code: Mapped[str] = mapped_column(String(3), default="")
    kind: Mapped[str] = mapped_column(String(20))
    donor_id: Mapped[int] = mapped_column(default=0)
    purchase_year: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str] = mapped_column(String(12))
    devices: Mapped[int] = mapped_column(BigInteger, default=0)


class YieldTerritory(Base):
    """The same without site and operator: the territorial views."""

    __tablename__ = "yield_territory"
    __table_args__ = (UniqueConstraint("department_code", "kind", "donor_id", "purchase_year",
                                       "outcome", name="uq_yield_territory_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_code: Mapped[str] = mapped_column(String(3), default="")
    kind: Mapped[str] = mapped_column(String(20))
    donor_id: Mapped[int] = mapped_column(default=0)
    purchase_year: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str] = mapped_column(String(12))
    devices: Mapped[int] = mapped_column(BigInteger, default=0)


class YieldNationalDonor(Base):
    """Per kind, donor and outcome: the whole country's yield by donor."""

    __tablename__ = "yield_national_donors"
    __table_args__ = (UniqueConstraint("kind", "donor_id", "outcome",
                                       name="uq_yield_national_donors_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    donor_id: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str] = mapped_column(String(12))
    devices: Mapped[int] = mapped_column(BigInteger, default=0)


class YieldNationalYear(Base):
    """Per kind, purchase year and outcome: the whole country's yield by age."""

    __tablename__ = "yield_national_years"
    __table_args__ = (UniqueConstraint("kind", "purchase_year", "outcome",
                                       name="uq_yield_national_years_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    purchase_year: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str] = mapped_column(String(12))
    devices: Mapped[int] = mapped_column(BigInteger, default=0)


class RollupMark(Base):
    """How far the fold has read the stage log: events up to `folded_to` are in the roll-ups.
    `pending_to` is the next horizon, folded once every transaction that was running when it
    was taken (transaction ids below `pending_xmax`, PostgreSQL) has ended."""

    __tablename__ = "rollup_marks"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    folded_to: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_to: Mapped[int | None] = mapped_column(BigInteger)
    pending_xmax: Mapped[int | None] = mapped_column(BigInteger)


# Every table of each family, with the key it keeps (the first one is the base, the others
# are its sums over fewer columns).
LEAD_TABLES = {"lead_time_site_days": LEAD_KEY,
               "lead_time_territory_days": ("day", "department_code", "kind", "stage", "bucket"),
               "lead_time_national_days": ("day", "kind", "stage", "bucket")}
YIELD_TABLES = {"yield_sites": YIELD_KEY,
                "yield_territory": ("department_code", "kind", "donor_id", "purchase_year",
                                    "outcome"),
                "yield_national_donors": ("kind", "donor_id", "outcome"),
                "yield_national_years": ("kind", "purchase_year", "outcome")}

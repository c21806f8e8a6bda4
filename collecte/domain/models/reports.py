"""Dashboard counters (±1 delta rows folded into totals) and the INSEE territories."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

# The dimensions every counter row is keyed by. "No site / no operator / no département" is
# stored as 0 / 0 / "" rather than NULL so that the totals' unique key holds on every database.
COUNTER_KEY = ("day", "site_id", "operator_id", "department_code", "kind", "grade", "stage")
COUNTER_VALUES = ("stock", "entered", "goal")


class _CounterColumns:
    """Key and values shared by the delta log and the folded totals.

    `stock`: +1 when a device enters `stage` there, -1 when it leaves (sum over every day = the
    devices at that stage now). `entered`: 1 per arrival in `stage` (flows over a period).
    `goal`: +1 on the day of a handover, -1 on that same day when the device comes back within
    the goal's return window (so the sum is what counts toward the goal).
    """

    day: Mapped[dt.date] = mapped_column(Date)
    site_id: Mapped[int] = mapped_column(default=0)
    operator_id: Mapped[int] = mapped_column(default=0)
    department_code: Mapped[str] = mapped_column(String(3), default="")
    kind: Mapped[str] = mapped_column(String(20))
    grade: Mapped[str] = mapped_column(String(1), default="")
    stage: Mapped[str] = mapped_column(String(20))
    stock: Mapped[int] = mapped_column(default=0)
    entered: Mapped[int] = mapped_column(default=0)
    goal: Mapped[int] = mapped_column(default=0)


class CounterDelta(_CounterColumns, Base):
    """Appended in the move's own transaction (no row is ever updated: no hot spot)."""

    __tablename__ = "counter_deltas"

    id: Mapped[int] = mapped_column(primary_key=True)


class CounterTotal(_CounterColumns, Base):
    """Deltas folded by the periodic job: one row per key."""

    __tablename__ = "counter_totals"
    __table_args__ = (
        UniqueConstraint(*COUNTER_KEY, name="uq_counter_totals_key"),
        # Covering (PostgreSQL): the run-rate windows read the index only.
        Index("ix_counter_totals_department_day", "department_code", "day",
              postgresql_include=["stage", "goal"]),
        Index("ix_counter_totals_stage_day", "stage", "day",
              postgresql_include=["department_code", "goal"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)


class CounterAllTime(Base):
    """The same totals without the day (folded alongside): what "now" and "to date" read, a few
    thousand rows however long the history."""

    __tablename__ = "counter_all_time"
    __table_args__ = (
        UniqueConstraint(*COUNTER_KEY[1:], name="uq_counter_all_time_key"),
        Index("ix_counter_all_time_department", "department_code"),
        # The ready stock per site, kind and grade: ~1/6 of the rows.
        Index("ix_counter_all_time_stage", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(default=0)
    operator_id: Mapped[int] = mapped_column(default=0)
    department_code: Mapped[str] = mapped_column(String(3), default="")
    kind: Mapped[str] = mapped_column(String(20))
    grade: Mapped[str] = mapped_column(String(1), default="")
    stage: Mapped[str] = mapped_column(String(20))
    stock: Mapped[int] = mapped_column(default=0)
    entered: Mapped[int] = mapped_column(default=0)
    goal: Mapped[int] = mapped_column(default=0)


class _CounterValues:
    stock: Mapped[int] = mapped_column(default=0)
    entered: Mapped[int] = mapped_column(default=0)
    goal: Mapped[int] = mapped_column(default=0)


class CounterTerritoryDay(_CounterValues, Base):
    """The daily totals without site, operator and grade (folded alongside): what the national
    and territorial views read for run rates and periods, ~100 départements × kinds × stages
    a day instead of every site × grade."""

    __tablename__ = "counter_territory_days"
    __table_args__ = (
        UniqueConstraint("day", "department_code", "kind", "stage",
                         name="uq_counter_territory_days_key"),
        # Covering on both databases (SQLite has no INCLUDE): the run-rate windows read the
        # index only.
        Index("ix_counter_territory_days_stage_day", "stage", "day", "department_code", "kind",
              "goal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    department_code: Mapped[str] = mapped_column(String(3), default="")
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))


class CounterTerritory(_CounterValues, Base):
    """The all-time totals per département, kind and stage (folded alongside): "now" and "to
    date" for the national and territorial views, about a thousand rows."""

    __tablename__ = "counter_territory"
    __table_args__ = (
        UniqueConstraint("department_code", "kind", "stage", name="uq_counter_territory_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_code: Mapped[str] = mapped_column(String(3), default="")
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))


class CounterNationalDay(_CounterValues, Base):
    """The daily totals per kind and stage only (folded alongside): the whole country's run
    rates read ~500 rows for 90 days instead of one per département."""

    __tablename__ = "counter_national_days"
    __table_args__ = (
        # Stage first: it is also the index of the run-rate windows.
        UniqueConstraint("stage", "day", "kind", name="uq_counter_national_days_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))


# Every table folded from the deltas, with the key it keeps (a subset of COUNTER_KEY): the
# other columns are summed away.
ROLLUP_KEYS = {
    "counter_totals": COUNTER_KEY,
    "counter_all_time": COUNTER_KEY[1:],
    "counter_territory_days": ("day", "department_code", "kind", "stage"),
    "counter_territory": ("department_code", "kind", "stage"),
    "counter_national_days": ("stage", "day", "kind"),
}


class Region(Base):
    """A French région (INSEE Code officiel géographique)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    cog_year: Mapped[int]


class Department(Base):
    """A French département (INSEE code as text: '01', '2A', '971')."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    cog_year: Mapped[int]

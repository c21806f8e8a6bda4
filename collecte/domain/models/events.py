"""The append-only stage log of devices and the status log of everything else."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User


class StageEvent(Base):
    """One move of one device. Never updated nor deleted (a database trigger refuses both)."""

    __tablename__ = "stage_events"
    __table_args__ = (
        UniqueConstraint("client_event_id"),
        Index("ix_stage_events_device_time", "device_id", "occurred_at"),
        Index("ix_stage_events_to_time", "to_stage", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    from_stage: Mapped[str | None] = mapped_column(String(20))  # None when the device is created
    to_stage: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    # When it happened (a scan's own time, also when queued offline) and when it reached us.
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    client_event_id: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()


class StatusEvent(Base):
    """Append-only history of status changes of pledges, requests, organisations, jobs..."""

    __tablename__ = "status_events"
    __table_args__ = (Index("ix_status_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column()
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship()


APPEND_ONLY_TABLES = ("stage_events", "status_events")


def append_only_statements(dialect: str, table: str) -> list[str]:
    """Triggers that make the database itself refuse UPDATE and DELETE on a history table.
    Used by the migrations and by metadata.create_all (tests)."""
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION collecte_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$ "
            "LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION collecte_append_only()",
        ]
    if dialect == "sqlite":
        return [f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                for action in ("UPDATE", "DELETE")]
    return []


def _install_triggers(table, connection, **_) -> None:
    for statement in append_only_statements(connection.dialect.name, table.name):
        connection.exec_driver_sql(statement)


for _model in (StageEvent, StatusEvent):
    event.listen(_model.__table__, "after_create", _install_triggers)

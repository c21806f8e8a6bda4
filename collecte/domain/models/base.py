"""Declarative base, naming convention and column helpers shared by every model."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: DateTime(timezone=True)}


def created_at_column() -> Mapped[dt.datetime]:
    return mapped_column(default=utcnow, server_default=func.now())


def in_values(column: str, values) -> str:
    """SQL for a CHECK constraint keeping `column` among `values` (enum values or strings)."""
    quoted = ", ".join("'" + str(getattr(v, "value", v)) + "'" for v in values)
    return f"{column} IN ({quoted})"

"""Output fields shared by the API schemas."""

from __future__ import annotations

import datetime as dt

from marshmallow import fields


class UtcDateTime(fields.DateTime):
    """An RFC 3339 date-time with its offset. SQLite hands timestamps back without their time
    zone; they were stored in UTC, so a naive value is UTC (PostgreSQL keeps the zone)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)

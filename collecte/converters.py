"""URL converters: an `<int:...>` id in a path fits the database's integer columns."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# PostgreSQL INTEGER; SQLite refuses more than 2**63 - 1 with an OverflowError.
MAX_ID = 2**31 - 1


class IdIntegerConverter(IntegerConverter):
    """`<int:pledge_id>` matches 0 to 2**31 - 1 only: a larger number is a 404 like any unknown
    id, never an overflow in the database driver (a 500)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's argument name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

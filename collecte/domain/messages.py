"""Messages with values, pure (no Flask): the domain builds them, the edges translate them.

`collecte.errors` re-exports `Message` and `Term` and holds `translate()`, which shows them in the
reader's language; they live here so that pure domain code (e.g. the inventory checks) can
build them without importing Flask.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from babel import numbers


class Message(str):
    """A message with values, e.g. a per-field message in `errors`: a msgid with `%(name)s`
    placeholders and its params. As a str it is the French text; `translate()` shows it in the
    reader's language. babel.cfg extracts its msgid (`Message` is a keyword there)."""

    def __new__(cls, msgid: str, **params: Any):
        text = super().__new__(cls, _french(msgid, params))
        text.msgid, text.params = msgid, params
        return text


class Term(str):
    """A param value that is itself a msgid (a stage or status label): translated at display."""


def to_json(message: str) -> dict | str:
    """A message for a record read later (a job's result): msgid and params, so that it can be
    shown in the reader's language then, and its French text for readers that do not
    translate. A plain string (a msgid without values, or text) stays a string."""
    if not isinstance(message, Message):
        return str(message)
    return {"msgid": message.msgid,
            "params": {key: _value_to_json(value) for key, value in message.params.items()},
            "text": str(message)}


def from_json(data: Any) -> str:
    """Back from `to_json()`: a Message again. A string (also one recorded before messages had
    msgids: French text) comes back as it is, and so does the stored text of a record whose
    msgid no longer takes its params (e.g. a message reworded since)."""
    if not isinstance(data, dict):
        return data
    try:
        return Message(data["msgid"], **{key: _value_from_json(value)
                                         for key, value in (data.get("params") or {}).items()})
    except (KeyError, TypeError, ValueError):
        return data.get("text") or data.get("msgid") or ""


def _value_to_json(value: Any) -> Any:
    """Tagged where JSON would lose what `translate()` needs: a Term stays a label to
    translate, a date and a Decimal stay values to format for the reader."""
    if isinstance(value, Message):
        return to_json(value)
    if isinstance(value, Term):
        return {"term": str(value)}
    if isinstance(value, list | tuple):
        return [_value_to_json(item) for item in value]
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _value_from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_value_from_json(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "msgid" in value:
        return from_json(value)
    if "term" in value:
        return Term(value["term"])
    if "decimal" in value:
        return Decimal(value["decimal"])
    if "date" in value:
        return dt.date.fromisoformat(value["date"])
    raise ValueError(f"unknown message value: {value!r}")


def _french(msgid: str, params: dict[str, Any]) -> str:
    """The French text, for str(error) and logs: no reader to ask, French formats."""
    if not params:
        return msgid
    return msgid % {k: _french_value(v) for k, v in params.items()}


def _french_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_french_value(item) for item in value)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return numbers.format_decimal(value, locale="fr_FR")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y}"
    return str(value)

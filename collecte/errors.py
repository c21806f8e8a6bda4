"""Domain errors raised by services; the API turns them into problem+json, pages into messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import has_request_context
from flask_babel import format_date, format_decimal, get_locale, gettext

# Messages are built by pure domain code too, so they live in the domain; the edges and the
# services import them from here, with translate().
from .domain.messages import Message, Term, _french, from_json, to_json  # noqa: F401


class DomainError(Exception):
    """An expected refusal. `code` is stable and becomes the problem `type`.

    `detail` is a French msgid (the gettext source language), with `%(name)s` placeholders
    filled from `params` at display time, so that each edge shows it in its reader's language
    (`translated(error)`); `str(error)` and `error.detail` stay French for logs and job records."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, params: dict[str, Any] | None = None,
                 code: str | None = None, errors: dict[str, Any] | None = None, **extra: Any):
        self.msgid = detail
        self.params = params or {}
        self.detail = _french(detail, self.params)
        super().__init__(self.detail)
        if code:
            self.code = code
        self.errors = errors or {}
        self.extra = extra

    @property
    def message(self) -> str:
        """The detail in the reader's language (French outside a request)."""
        return translate(Message(self.msgid, **self.params))

    @property
    def messages(self) -> dict[str, Any]:
        """`errors` with every message in the reader's language."""
        return translate(self.errors)


def translated(error: DomainError) -> str:
    """What every edge shows of a domain error: its detail in the reader's language."""
    return error.message


def translate(value: Any) -> Any:
    """A message (or a dict/list of them, as in `errors`) in the reader's language; French
    outside a request (workers, CLI), where there is no reader's language to ask for."""
    if isinstance(value, dict):
        return {key: translate(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [translate(item) for item in value]
    if not isinstance(value, str) or not has_request_context():
        return value
    if isinstance(value, Message):
        return gettext(value.msgid, **{k: _shown(v) for k, v in value.params.items()})
    # A plain string may be a msgid marked with N_(), or text that is not one (a marshmallow
    # message, a code): gettext returns the latter unchanged.
    return gettext(value) if value else value


def _shown(value: Any) -> Any:
    """A param value for the reader: numbers in their format, labels in their language."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return format_decimal(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        # French reads 01/04/2025 (as the messages always said); English a month name, which
        # no reader can take for 4 January.
        return format_date(value, "short" if str(get_locale()) == "fr" else "medium")
    if isinstance(value, Term | Message):
        return translate(value)
    if isinstance(value, list | tuple):  # several messages shown as one sentence
        return " ".join(str(_shown(item)) for item in value)
    return value


class NotFound(DomainError):
    """Also what a user gets for something that exists but is not theirs to see."""

    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Invalid(DomainError):
    status = 422
    code = "invalid"
    title = "Unprocessable content"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class TooMany(DomainError):
    status = 429
    code = "too-many-requests"
    title = "Too many requests"


class Gone(DomainError):
    """Something that existed and was removed on purpose (a job's file past its keeping time)."""

    status = 410
    code = "gone"
    title = "Gone"


class Unavailable(DomainError):
    status = 503
    code = "unavailable"
    title = "Service unavailable"


DATABASE_RETRY_AFTER = 5  # s: a PostgreSQL restart or failover takes a few seconds


def database_unavailable() -> Unavailable:
    """What a request gets while the database cannot be reached (restart, failover, network):
    a 503 the client retries, not a 500. Pool pre-ping reconnects on the next request."""
    return Unavailable("La base de données est momentanément injoignable : réessayez dans "
                       "quelques secondes.", code="database-unavailable")


def problem(status: int, title: str, detail: str, code: str,
            errors: dict | None = None, extra: dict[str, Any] | None = None) -> dict:
    """An RFC 9457 problem document."""
    body = {"type": f"urn:collecte:problem:{code}", "title": title, "status": status,
            "detail": detail}
    if errors:
        body["errors"] = errors
    # Extra members never replace the standard ones (a `status` extra would lie about the HTTP
    # status); services name them current_status, current_stage...
    body.update({k: v for k, v in (extra or {}).items() if k not in body and k != "errors"})
    return body

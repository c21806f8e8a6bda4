"""Request-wide limits: bodies over the upload limit are read and dropped before the 413, so
the client sees it; NUL characters in a query string or a form are refused (400); an integer
read with `.get(name, type=int)` that no database column can hold is treated as unreadable.

Werkzeug refuses a body larger than MAX_CONTENT_LENGTH without reading it. Behind gunicorn the
connection is then closed while the client is still sending: measured here, a 20 MB upload with
a 1 MB limit got a broken pipe (a browser shows "connection reset"), never the 413 message. So
a body up to DRAIN_FACTOR times the limit is read in small chunks and thrown away first; beyond
that the client is abusive and the connection is simply closed.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request
from flask.wrappers import Request
from werkzeug.datastructures import ImmutableMultiDict

from .converters import MAX_ID
from .errors import Invalid

DRAIN_FACTOR = 4
_CHUNK = 64 * 1024


def drain_oversized_body() -> None:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    length = request.content_length
    if not limit or not length or length <= limit or length > DRAIN_FACTOR * limit:
        return
    stream = request.environ.get("wsgi.input")
    remaining = length
    while stream is not None and remaining > 0:
        chunk = stream.read(min(_CHUNK, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
    # The form parser still refuses the request (content length over the limit): the view or
    # the error handler answers 413 with its message; the body is no longer on the wire.


def refuse_nul_characters() -> None:
    """PostgreSQL cannot store a NUL character: a form or query value holding one would end in
    a 500 when saved or even looked up. No person types one; refuse the request as malformed.
    (JSON bodies are checked field by field by the API schemas.)"""
    api = request.path.startswith("/api/")
    values = [] if api else list(request.args.values())  # API queries: their schemas check
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and (
            not limit or (request.content_length or 0) <= limit):
        values += list(request.form.values())
    if any("\x00" in value for value in values):
        if api:
            raise Invalid("Caractère NUL dans le formulaire.", code="nul-character")
        abort(400, "Caractère NUL dans la requête.")


class _BoundedValues(ImmutableMultiDict):
    """Query and form values whose `.get(name, type=int)` gives the default for an integer
    beyond the database's (it would overflow the driver: a 500, not "unknown")."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        value = super().get(key, default=default, type=type)
        if type is int and isinstance(value, int) and not -MAX_ID - 1 <= value <= MAX_ID:
            return default
        return value


class BoundedRequest(Request):
    parameter_storage_class = _BoundedValues


def init_app(app: Flask) -> None:
    app.request_class = BoundedRequest
    app.before_request(drain_oversized_body)
    app.before_request(refuse_nul_characters)

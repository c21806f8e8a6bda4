"""Bodies over the upload limit are read and dropped before the 413, so the client sees it.

Werkzeug refuses a body larger than MAX_CONTENT_LENGTH without reading it. Behind gunicorn the
connection is then closed while the client is still sending: measured here, a 20 MB upload with
a 1 MB limit got a broken pipe (a browser shows "connection reset"), never the 413 message. So
a body up to DRAIN_FACTOR times the limit is read in small chunks and thrown away first; beyond
that the client is abusive and the connection is simply closed.
"""

from __future__ import annotations

from flask import Flask, current_app, request

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


def init_app(app: Flask) -> None:
    app.before_request(drain_oversized_body)

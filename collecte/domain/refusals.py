"""A domain refusal whose message is a msgid with params, so that the edges can translate it."""

from __future__ import annotations

from typing import Any


class Refusal(ValueError):
    """str() is the French text; `msgid` and `params` let a service pass them on to a
    DomainError, which shows them in the reader's language."""

    def __init__(self, msgid: str, **params: Any):
        super().__init__(msgid % params if params else msgid)
        self.msgid, self.params = msgid, params
